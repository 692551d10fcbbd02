DROP TABLE learned_labels;
DROP TABLE learned_tokens;
DROP TABLE learned_state;
