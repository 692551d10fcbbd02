-- The learned rule's model: how often each token was in comments moderators approved (ham)
-- and rejected (spam), the label each decided comment counts with, and one state row whose
-- generation every change bumps (instances poll it to catch up).
CREATE TABLE learned_state (
    id INTEGER PRIMARY KEY NOT NULL,
    -- Bumped by every change of the counts.
    generation BIGINT NOT NULL,
    -- Bumped when tokens are deleted (reset, pruning): instances then reload everything.
    epoch BIGINT NOT NULL,
    ham_docs BIGINT NOT NULL,
    spam_docs BIGINT NOT NULL,
    token_count BIGINT NOT NULL
);
INSERT INTO learned_state (id, generation, epoch, ham_docs, spam_docs, token_count)
VALUES (1, 0, 0, 0, 0, 0);

CREATE TABLE learned_tokens (
    token TEXT PRIMARY KEY NOT NULL,
    ham BIGINT NOT NULL,
    spam BIGINT NOT NULL,
    -- The generation that last changed this row.
    generation BIGINT NOT NULL
);
CREATE INDEX learned_tokens_generation ON learned_tokens (generation);

-- One row per labelled document: `comment:<id>` for a moderator's decision, `text:<sha256>`
-- for a line of a training file. A relabel moves its counts; a repeat changes nothing.
CREATE TABLE learned_labels (
    doc_key TEXT PRIMARY KEY NOT NULL,
    label TEXT NOT NULL,
    labelled_at TIMESTAMP NOT NULL
);
