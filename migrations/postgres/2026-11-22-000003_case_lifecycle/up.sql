-- Case actions: the resolution note, merge target, follow-up link and when the case was closed.
ALTER TABLE cases ADD COLUMN resolution TEXT;
ALTER TABLE cases ADD COLUMN merged_into_id BIGINT REFERENCES cases(id);
ALTER TABLE cases ADD COLUMN follow_up_of_id BIGINT REFERENCES cases(id);
ALTER TABLE cases ADD COLUMN closed_at TIMESTAMP;
CREATE INDEX cases_follow_up_of ON cases (follow_up_of_id) WHERE follow_up_of_id IS NOT NULL;

CREATE TABLE case_followers (
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_followers_user ON case_followers (user_id, case_id);
