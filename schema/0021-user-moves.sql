-- 0021-user-moves: 人事異動 dated ahead (issue 12 item 9). A move to a new section (and 職名)
-- that takes effect on a later day (4月1日) is kept here when the door accepts it, and applied
-- through the door on that day (via "scheduler", in the name of the person who scheduled it).
-- Written only by the door (user.move).
CREATE TABLE user_moves (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id),
	section TEXT NOT NULL,          -- the new section's id
	title TEXT,                     -- the new 職名; NULL keeps it, '' clears it
	effective TEXT NOT NULL,        -- the day it takes effect, YYYY-MM-DD (Tokyo)
	effective_ms INTEGER NOT NULL,  -- that day's midnight in Tokyo, ms since the epoch
	actor INTEGER NOT NULL REFERENCES users(id), -- who scheduled it
	created_ms INTEGER NOT NULL,
	state TEXT NOT NULL DEFAULT 'scheduled'
		CHECK (state IN ('scheduled', 'done', 'cancelled')),
	closed_ms INTEGER               -- when it was applied or cancelled
);
-- one scheduled move per person: a later file replaces the earlier one
CREATE UNIQUE INDEX user_moves_one ON user_moves(user_id) WHERE state = 'scheduled';
CREATE INDEX user_moves_due ON user_moves(state, effective_ms);
