-- Save every model this role can see to hack_models.copy (one row each:
-- name, source table, hack_export_model archive), e.g. before
-- DROP EXTENSION hack, which deletes them all.  psql -f export_models.sql
\set ON_ERROR_STOP on
\copy (SELECT model, source::text, hack_export_model(model) FROM hack.models ORDER BY model) TO 'hack_models.copy'
SELECT count(*) AS models_saved FROM hack.models;
