-- hack--1.0--1.1.sql: the model catalogue becomes hack's own (doc/reliability.md, "Trust model")
\echo Use "ALTER EXTENSION hack UPDATE TO '1.1'" to load this file. \quit

------------------------------------------------------------------------
-- The catalogue: one row per model (one owner, one source), its groups
-- beneath it, the embeddings beneath those.  PUBLIC may read all three
-- (under row security) and write none: hack's functions write them as the
-- extension's owner after checking the caller's rights, so no role can
-- forge, plant, squat or lock a model.  What the read policies need is
-- stored on each row (owner, source), so they have no subqueries.
------------------------------------------------------------------------

CREATE FUNCTION hack_model_visible(owner regrole, source regclass) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hack_model_visible(regrole, regclass) IS
	'may the current role see a model of this owner and source: members of the owner always; others when they can SELECT the source, it is a table, and row security is not active on it for them';

-- 1.0's tables, renamed out of the way while their rows move
DROP TRIGGER models_changed ON hack.models;
DROP FUNCTION hack_models_changed();
DROP POLICY models_read ON hack.models;
DROP POLICY models_insert ON hack.models;
DROP POLICY models_update ON hack.models;
DROP POLICY models_delete ON hack.models;
DROP POLICY embeddings_read ON hack.embeddings;
DROP POLICY embeddings_insert ON hack.embeddings;
DROP POLICY embeddings_update ON hack.embeddings;
DROP POLICY embeddings_delete ON hack.embeddings;
ALTER TABLE hack.embeddings DROP CONSTRAINT embeddings_model_group_key_fkey;
ALTER TABLE hack.models RENAME TO models_1_0;
ALTER TABLE hack.models_1_0 RENAME CONSTRAINT models_pkey TO models_1_0_pkey;

CREATE TABLE hack.models (
	model			text PRIMARY KEY CHECK (pg_catalog.length(model) BETWEEN 1 AND 63),
	owner			regrole NOT NULL,
	source			regclass NOT NULL,
	id_column		name NOT NULL,
	image_column	name NOT NULL,
	group_column	name,
	format			text NOT NULL CHECK (format IN ('auto', 'u8', 'f32', 'npy')),
	architecture	text NOT NULL,
	channels		integer NOT NULL CHECK (channels BETWEEN 1 AND 4),
	height			integer NOT NULL CHECK (height BETWEEN 1 AND 4096),
	width			integer NOT NULL CHECK (width BETWEEN 1 AND 4096),
	dim				integer NOT NULL CHECK (dim BETWEEN 1 AND 1024),
	params			jsonb NOT NULL,
	created_at		timestamptz NOT NULL,
	trained_at		timestamptz NOT NULL
);
CREATE TABLE hack.model_groups (
	model			text NOT NULL,
	group_key		text NOT NULL,
	owner			regrole NOT NULL,
	source			regclass NOT NULL,
	weights			bytea NOT NULL,
	normalisation	jsonb NOT NULL,
	metrics			jsonb NOT NULL,
	n_rows			bigint NOT NULL,
	trained_at		timestamptz NOT NULL,
	PRIMARY KEY (model, group_key)
);

-- Move 1.0's rows.  1.0 let any role add groups under another's model
-- name and edit any field: a model keeps the owner, source and parameters
-- of its earliest-trained group, and the groups that agree with it; a
-- model whose parameters do not say how to read its source is dropped.
-- Each row dropped is named in a WARNING.
CREATE TABLE hack.heads_1_0 AS
SELECT DISTINCT ON (o.model) o.model, o.group_key, o.owner, o.source, o.architecture, o.params,
	o.trained_at,
	coalesce(o.architecture IN ('lenet', 'mlp')
	 AND pg_catalog.jsonb_typeof(o.params->'id_column') = 'string'
	 AND pg_catalog.jsonb_typeof(o.params->'image_column') = 'string'
	 AND coalesce(pg_catalog.jsonb_typeof(o.params->'group_column'), 'null') IN ('string', 'null')
	 AND o.params->>'format' IN ('auto', 'u8', 'f32', 'npy')
	 AND o.params->>'channels' ~ '^[1-4]$'
	 AND o.params->>'height' ~ '^[0-9]{1,4}$' AND (o.params->>'height')::integer BETWEEN 1 AND 4096
	 AND o.params->>'width' ~ '^[0-9]{1,4}$' AND (o.params->>'width')::integer BETWEEN 1 AND 4096
	 AND o.params->>'dim' ~ '^[0-9]{1,4}$' AND (o.params->>'dim')::integer BETWEEN 1 AND 1024
	 AND pg_catalog.length(o.model) BETWEEN 1 AND 63, false) AS valid
FROM hack.models_1_0 o
ORDER BY o.model, o.trained_at, o.group_key;
DO $$
DECLARE
	r record;
BEGIN
	FOR r IN
		SELECT o.model, o.group_key, o.owner, o.source, h.valid
		FROM hack.models_1_0 o JOIN hack.heads_1_0 h USING (model)
		WHERE NOT h.valid OR (o.owner, o.source) IS DISTINCT FROM (h.owner, h.source)
		ORDER BY 1, 2
	LOOP
		IF r.valid THEN
			RAISE WARNING 'hack 1.1: dropping group "%" of model "%": its owner (%) or source (%) differs from the model''s',
				r.group_key, r.model, r.owner, r.source;
		ELSE
			RAISE WARNING 'hack 1.1: dropping group "%" of model "%": the model''s parameters do not say how to read its source',
				r.group_key, r.model;
		END IF;
	END LOOP;
END
$$;
INSERT INTO hack.models
SELECT h.model, h.owner, h.source, h.params->>'id_column', h.params->>'image_column',
	h.params->>'group_column', h.params->>'format', h.architecture,
	(h.params->>'channels')::integer, (h.params->>'height')::integer,
	(h.params->>'width')::integer, (h.params->>'dim')::integer, h.params,
	h.trained_at, h.trained_at
FROM hack.heads_1_0 h WHERE h.valid;
INSERT INTO hack.model_groups
SELECT o.model, o.group_key, o.owner, o.source, o.weights, o.normalisation, o.metrics,
	o.n_rows, o.trained_at
FROM hack.models_1_0 o JOIN hack.models m ON m.model = o.model
	AND m.owner = o.owner AND m.source = o.source;
UPDATE hack.models m SET trained_at = g.last
FROM (SELECT model, max(trained_at) AS last FROM hack.model_groups GROUP BY 1) g
WHERE g.model = m.model;

-- embeddings: the owner, source and dimension on each row
ALTER TABLE hack.embeddings ADD COLUMN owner regrole, ADD COLUMN source regclass,
	ADD COLUMN dim smallint;
DELETE FROM hack.embeddings e WHERE NOT EXISTS
	(SELECT FROM hack.model_groups g WHERE g.model = e.model AND g.group_key = e.group_key);
UPDATE hack.embeddings e SET owner = m.owner, source = m.source,
	dim = poincare_dim(e.embedding)
FROM hack.models m WHERE m.model = e.model;
ALTER TABLE hack.embeddings ALTER COLUMN owner SET NOT NULL,
	ALTER COLUMN source SET NOT NULL, ALTER COLUMN dim SET NOT NULL,
	ALTER COLUMN group_key DROP DEFAULT,
	ADD CONSTRAINT embeddings_dim_check CHECK (dim BETWEEN 1 AND 1024);
DROP TABLE hack.models_1_0, hack.heads_1_0;

-- one GiST index per dimension, so models of several dimensions share the
-- table (a GiST index holds one dimension); KNN queries name the dimension:
-- ... WHERE dim = 2 ORDER BY embedding <-> '(0,0)'
DROP INDEX hack.embeddings_embedding_idx;
CREATE INDEX embeddings_embedding_1d_idx ON hack.embeddings USING gist (embedding) WHERE dim = 1;
CREATE INDEX embeddings_embedding_2d_idx ON hack.embeddings USING gist (embedding) WHERE dim = 2;
CREATE INDEX embeddings_embedding_3d_idx ON hack.embeddings USING gist (embedding) WHERE dim = 3;
CREATE INDEX embeddings_embedding_4d_idx ON hack.embeddings USING gist (embedding) WHERE dim = 4;
CREATE INDEX embeddings_embedding_8d_idx ON hack.embeddings USING gist (embedding) WHERE dim = 8;
CREATE INDEX model_groups_owner_idx ON hack.model_groups (owner);
CREATE INDEX models_owner_idx ON hack.models (owner);

SELECT pg_catalog.pg_extension_config_dump('hack.models', '');
SELECT pg_catalog.pg_extension_config_dump('hack.model_groups', '');

-- read by everyone under row security, written by no one but hack
REVOKE ALL ON hack.embeddings FROM PUBLIC;
GRANT SELECT ON hack.models, hack.model_groups, hack.embeddings TO PUBLIC;
ALTER TABLE hack.models ENABLE ROW LEVEL SECURITY;
ALTER TABLE hack.model_groups ENABLE ROW LEVEL SECURITY;
ALTER TABLE hack.embeddings ENABLE ROW LEVEL SECURITY;
CREATE POLICY models_read ON hack.models FOR SELECT USING (hack_model_visible(owner, source));
CREATE POLICY model_groups_read ON hack.model_groups FOR SELECT USING (hack_model_visible(owner, source));
CREATE POLICY embeddings_read ON hack.embeddings FOR SELECT USING (hack_model_visible(owner, source));

COMMENT ON TABLE hack.models IS 'one row per trained model: its owner, its source table and how to read it, the encoder''s shape, the last training''s parameters; written only by hack''s functions';
COMMENT ON TABLE hack.model_groups IS 'one row per group of a model: network weights, input normalisation, training metrics; written only by hack''s functions';
COMMENT ON TABLE hack.embeddings IS 'one row per embedded image: its embedding, assigned particle and hyperbolic norm (small = typical); written only by hack''s functions';
COMMENT ON COLUMN hack.models.owner IS 'the role that owns the model: its members train, refresh, rename, drop it; maintenance reads the source as this role';
COMMENT ON COLUMN hack.models.source IS 'the table or view trained on, read as the owner';
COMMENT ON COLUMN hack.models.id_column IS 'the source''s id column (smallint, integer or bigint)';
COMMENT ON COLUMN hack.models.image_column IS 'the source''s bytea image column';
COMMENT ON COLUMN hack.models.group_column IS 'the source''s group column, or NULL for one group; group keys are its values as text under fixed settings (hack_group_key)';
COMMENT ON COLUMN hack.models.format IS 'how images are decoded: auto, u8, f32 or npy';
COMMENT ON COLUMN hack.models.architecture IS 'the encoder: lenet or mlp';
COMMENT ON COLUMN hack.models.channels IS 'image channels the encoder takes';
COMMENT ON COLUMN hack.models.height IS 'image height the encoder takes';
COMMENT ON COLUMN hack.models.width IS 'image width the encoder takes';
COMMENT ON COLUMN hack.models.dim IS 'dimension of the embeddings';
COMMENT ON COLUMN hack.models.params IS 'the parameters of the last training (informational)';
COMMENT ON COLUMN hack.models.created_at IS 'when the model was first trained or imported';
COMMENT ON COLUMN hack.models.trained_at IS 'when a group of it was last trained';
COMMENT ON COLUMN hack.model_groups.owner IS 'the model''s owner (a copy, for the read policy)';
COMMENT ON COLUMN hack.model_groups.source IS 'the model''s source (a copy, for the read policy)';
COMMENT ON COLUMN hack.model_groups.weights IS 'the trained network, validated on every load';
COMMENT ON COLUMN hack.model_groups.normalisation IS 'per-channel input mean and standard deviation';
COMMENT ON COLUMN hack.model_groups.metrics IS 'training metrics of the group (loss, packing quality, rows, timings)';
COMMENT ON COLUMN hack.model_groups.n_rows IS 'rows the group was trained on';
COMMENT ON COLUMN hack.embeddings.owner IS 'the model''s owner (a copy, for the read policy)';
COMMENT ON COLUMN hack.embeddings.source IS 'the model''s source (a copy, for the read policy)';
COMMENT ON COLUMN hack.embeddings.dim IS 'dimension of the embedding; one GiST index per dimension (name it in KNN queries)';
COMMENT ON POLICY models_read ON hack.models IS 'a model is visible as hack_model_visible says';
COMMENT ON POLICY model_groups_read ON hack.model_groups IS 'a group is visible with its model';
COMMENT ON POLICY embeddings_read ON hack.embeddings IS 'embeddings are visible with their model';
COMMENT ON INDEX hack.embeddings_embedding_1d_idx IS 'KNN and ball search on 1-D embeddings (WHERE dim = 1)';
COMMENT ON INDEX hack.embeddings_embedding_2d_idx IS 'KNN and ball search on 2-D embeddings (WHERE dim = 2)';
COMMENT ON INDEX hack.embeddings_embedding_3d_idx IS 'KNN and ball search on 3-D embeddings (WHERE dim = 3)';
COMMENT ON INDEX hack.embeddings_embedding_4d_idx IS 'KNN and ball search on 4-D embeddings (WHERE dim = 4)';
COMMENT ON INDEX hack.embeddings_embedding_8d_idx IS 'KNN and ball search on 8-D embeddings (WHERE dim = 8)';

------------------------------------------------------------------------
-- Managing models: the only ways to change the catalogue besides training
------------------------------------------------------------------------

CREATE FUNCTION hack_drop_model(model text, if_exists boolean DEFAULT false) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION hack_drop_model(text, boolean) IS
	'drops a model, its groups and embeddings (members of its owner role only); true if it existed';
CREATE FUNCTION hack_drop_group(model text, group_key text) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION hack_drop_group(text, text) IS
	'drops one group of a model and its embeddings (members of its owner role only); the last group takes the model with it; true if it existed';
CREATE FUNCTION hack_rename_model(model text, new_name text) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION hack_rename_model(text, text) IS
	'renames a model (members of its owner role only); remember to update triggers that name it';
CREATE FUNCTION hack_alter_model_owner(model text, new_owner regrole) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION hack_alter_model_owner(text, regrole) IS
	'gives a model to another role, as ALTER ... OWNER TO does: the caller must belong to both roles, and the new owner must be able to read the source';
CREATE FUNCTION hack_export_model(model text) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hack_export_model(text) IS
	'a model as one bytea (definition, parameters, each group''s weights, normalisation and metrics; no embeddings), for hack_import_model in another database';
CREATE FUNCTION hack_import_model(model text, archive bytea, source regclass) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION hack_import_model(text, bytea, regclass) IS
	'creates a model owned by the caller from hack_export_model''s bytea, on a source the caller can read with the archive''s columns; every network is validated; returns the groups imported; CALL hack_refresh(model) then embeds the rows';
CREATE FUNCTION hack_group_key(value anyelement) RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hack_group_key(anyelement) IS
	'the group key hack stores for a value of the group column: the type''s output function under DateStyle ISO, TimeZone UTC, IntervalStyle postgres, extra_float_digits 3 and bytea_output hex';

------------------------------------------------------------------------
-- hack_refresh says whether it ran; the progress view shows only what
-- hack_train published
------------------------------------------------------------------------

DROP PROCEDURE hack_refresh(text, integer, text, bigint, bigint, bigint, bigint);
CREATE PROCEDURE hack_refresh(
	model text,
	batch_size integer DEFAULT 1000,
	if_busy text DEFAULT 'error',
	INOUT embedded bigint DEFAULT NULL,
	INOUT updated bigint DEFAULT NULL,
	INOUT deleted bigint DEFAULT NULL,
	INOUT skipped bigint DEFAULT NULL,
	INOUT status text DEFAULT NULL)
	AS 'MODULE_PATHNAME' LANGUAGE C;
COMMENT ON PROCEDURE hack_refresh(text, integer, text, bigint, bigint, bigint, bigint, text) IS
	'embeds source rows that have no embedding or whose image changed, and deletes embeddings of rows gone, with the stored models (no training), reading the source as the model''s owner; commits per batch outside a transaction block; returns the counts and status done, or skipped when if_busy => ''skip'' found the model busy';

CREATE FUNCTION hack_progress_parse(activity text)
	RETURNS TABLE (lock_classid oid, lock_objid oid, model text, "group" text, group_no integer, groups integer,
		rows integer, epoch integer, epochs integer, loss double precision,
		images_per_second double precision, eta_seconds double precision)
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION hack_progress_parse(text) IS
	'the fields of a progress line as hack_train writes it into pg_stat_activity, with the job-lock key of its model (classid and objid in pg_locks); no row for any other text';

CREATE OR REPLACE VIEW hack.training_progress AS
SELECT a.pid, a.usename, a.query_start AS started_at, p.model, p."group", p.group_no, p.groups,
	p.rows, p.epoch, p.epochs, p.loss, p.images_per_second, p.eta_seconds
FROM pg_catalog.pg_stat_activity a
	CROSS JOIN LATERAL hack_progress_parse(a.query) p
WHERE EXISTS (SELECT FROM pg_catalog.pg_locks l
	WHERE l.pid OPERATOR(pg_catalog.=) a.pid AND l.locktype OPERATOR(pg_catalog.=) 'advisory'
	AND l.classid OPERATOR(pg_catalog.=) p.lock_classid
	AND l.objid OPERATOR(pg_catalog.=) p.lock_objid
	AND l.objsubid OPERATOR(pg_catalog.=) 3::pg_catalog.int2 AND l.granted);
COMMENT ON VIEW hack.training_progress IS 'live progress of running hack_train jobs: only lines hack_train wrote, from backends holding that model''s job lock (query texts are visible as pg_stat_activity shows them)';

