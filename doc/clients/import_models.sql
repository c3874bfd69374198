-- Bring back the models of hack_models.copy (export_models.sql): each is
-- imported under its name on its source table, owned by the role running
-- this, then embedded again.  psql -f import_models.sql
\set ON_ERROR_STOP on
CREATE TEMP TABLE saved_models (model text, source text, archive bytea);
\copy saved_models FROM 'hack_models.copy'
SELECT model, hack_import_model(model, archive, source::regclass) AS groups FROM saved_models ORDER BY model;
SELECT format('CALL hack_refresh(%L)', model) FROM saved_models ORDER BY model \gexec
