DROP TABLE IF EXISTS ai_requests;
