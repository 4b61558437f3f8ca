DROP TABLE IF EXISTS revocation_outbox;
