-- training on a cluster, without a cluster (doc/scaling.md): the settings, the metrics,
-- embedding with an exported model, and the worker's aggregate refusing what is not a job;
-- test/t/025_citus.pl runs them on a Citus coordinator and two workers
SET client_min_messages = warning;
\set SHOW_CONTEXT never
CREATE TABLE cl_imgs (id int, label int, img bytea);
INSERT INTO cl_imgs SELECT i, i % 2, (SELECT decode(string_agg(lpad(to_hex(hashint4(p + 100 * i) & 255), 2, '0'), '' ORDER BY p), 'hex')
	FROM generate_series(0, 63) p) FROM generate_series(1, 40) i;
CALL hack_train(model => 'cl', source => 'cl_imgs', group_column => 'label', height => 8, width => 8,
	format => 'u8', architecture => 'mlp', hidden => '{4}', epochs => 1, pack_epochs => 20, seed => 1);
CALL hack_train(model => 'cl2', source => 'cl_imgs', group_column => 'label', height => 8, width => 8,
	format => 'u8', architecture => 'mlp', hidden => '{4}', epochs => 1, pack_epochs => 20, seed => 2);
-- the settings and their ranges
SHOW hack.distributed_training;
SHOW hack.jobs_per_worker;
SET hack.jobs_per_worker = 0;
SET hack.jobs_per_worker = 65;
-- a group's metrics say when it trained (UTC, ISO 8601), and name no worker on one server
SELECT count(*) AS groups, bool_and(NOT metrics ? 'node') AS no_node,
	bool_and((metrics->>'finished_at')::timestamptz >= (metrics->>'started_at')::timestamptz) AS ordered,
	bool_and(metrics->>'started_at' LIKE '____-__-__T__:__:__.______Z') AS iso
FROM hack.model_groups WHERE model = 'cl';
-- hack_embed_with an exported model is hack_embed, row for row and bit for bit
SELECT count(*) AS rows,
	bool_and(hack_embed_with(a.x, img, hack_group_key(label)) = hack_embed('cl', img, hack_group_key(label))) AS same
FROM cl_imgs, (SELECT hack_export_model('cl') AS x) a;
-- an archive that changes from row to row: each row embeds with its own
SELECT bool_and(hack_embed_with(CASE WHEN id % 3 = 0 THEN a.x ELSE a.y END, img, hack_group_key(label))
		= hack_embed(CASE WHEN id % 3 = 0 THEN 'cl' ELSE 'cl2' END, img, hack_group_key(label))) AS same,
	count(DISTINCT hack_embed_with(a.x, img, '0') = hack_embed_with(a.y, img, '0')) AS models_differ
FROM cl_imgs, (SELECT hack_export_model('cl') AS x, hack_export_model('cl2') AS y) a;
-- nothing passed in is trusted: not an archive, a damaged one, a group it lacks, a bad image
SELECT hack_embed_with('\x00'::bytea, img, '0') FROM cl_imgs LIMIT 1;
SELECT hack_embed_with(overlay(a.x PLACING '\xff'::bytea FROM 200), img, '0')
FROM cl_imgs, (SELECT hack_export_model('cl') AS x) a LIMIT 1;
SELECT hack_embed_with(hack_export_model('cl'), img, '7') FROM cl_imgs LIMIT 1;
SELECT hack_embed_with(hack_export_model('cl'), '\x0102', '0');
-- the worker's aggregate: a job is the coordinator's message, checked; NULLs are refused
SELECT label, hack_train_group('\x00'::bytea, id, img, label ORDER BY id) FROM cl_imgs GROUP BY label;
SELECT label, hack_train_group('\x4841434b4a4f4200'::bytea || '\x01000000deadbeef'::bytea, id, img, label ORDER BY id)
FROM cl_imgs GROUP BY label;
SELECT label, hack_train_group(NULL, id, img, label ORDER BY id) FROM cl_imgs GROUP BY label;
-- a role that cannot see a model cannot export it, so cannot embed with it either
CREATE ROLE cl_intruder;
SET ROLE cl_intruder;
SELECT hack_embed_with(hack_export_model('cl'), '\x00'::bytea, '0');
RESET ROLE;
DROP ROLE cl_intruder;
SELECT hack_drop_model('cl'), hack_drop_model('cl2');
DROP TABLE cl_imgs;
