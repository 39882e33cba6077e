-- Finer statistics of the search columns: the planner then knows how common a word is and
-- picks the GIN index for rare words and a backward walk over ids for common ones.
ALTER TABLE stream_entries ALTER COLUMN search_vector SET STATISTICS 1000;
ALTER TABLE cases ALTER COLUMN search_vector SET STATISTICS 1000;
