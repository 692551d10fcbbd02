mod default_rules;
