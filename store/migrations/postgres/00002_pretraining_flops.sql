-- +goose Up
-- Total pretraining FLOPs of a submitted model (optional), so that it can be
-- placed on Figure 3 (score against ln FLOPs) with the paper's models.
ALTER TABLE submissions ADD COLUMN pretraining_flops DOUBLE PRECISION;

-- +goose Down
ALTER TABLE submissions DROP COLUMN pretraining_flops;
