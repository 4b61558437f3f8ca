DROP TABLE IF EXISTS collab_updates;
DROP TABLE IF EXISTS collab_documents;
