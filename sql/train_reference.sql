-- hack_train's parameters for the reference implementation's choices
-- (doc/training.md, "Differences from the reference implementation, as
-- parameters"): each accepted value trains and is recorded, changes the
-- result, and bad values are 22023 (NULL 22004)
SET client_min_messages = warning;
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN EXECUTE q; RETURN 'ok'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END$$;
-- 48 uint8 28 x 28 images: a band, brighter with the id, and noise
CREATE FUNCTION pg_temp.ref_image(seed int) RETURNS bytea LANGUAGE sql AS $$
	SELECT decode(string_agg(lpad(to_hex(least(255, greatest(0,
			CASE WHEN p / 28 BETWEEN 8 AND 19 THEN 120 + seed * 2 ELSE 20 END
			+ (hashint4(p * 131 + seed) % 31))::int)), 2, '0'), '' ORDER BY p), 'hex')
	FROM generate_series(0, 783) p
$$;
CREATE TABLE ref_imgs (id bigint, img bytea);
INSERT INTO ref_imgs SELECT i, pg_temp.ref_image(i) FROM generate_series(1, 48) i;
-- successful calls run at top level: the helper (a CALL inside a SELECT) is
-- only for calls that fail in their argument checks
\set common 'source => ''ref_imgs'', format => ''u8'', epochs => 3, batch_size => 16, pack_epochs => 100, seed => 5'
CREATE FUNCTION pg_temp.ref_train(model text, extra text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('CALL hack_train(model => %L, source => %L, format => %L, epochs => 3,'
		' batch_size => 16, pack_epochs => 100, seed => 5%s)', model, 'ref_imgs', 'u8', extra);
END$$;

-- the defaults (riemannian_grad true since 1.3, the rest 1.2's), and params records them
CALL hack_train(model => 'ref_default', :common);
SELECT params->'riemannian_grad' AS riemannian_grad, params->>'normalise' AS normalise,
	params->'lr_floor' AS lr_floor, params->>'lr_schedule' AS lr_schedule,
	params->'reassign_phase' AS reassign_phase
FROM hack.models WHERE model = 'ref_default';
-- its numbers with the shortest digits that read back exactly: "lr": 0.1, not 0.10000000000000001
SELECT params->'lr' AS lr, params->'radius' AS radius, params->'k' AS k, params->'pack_lr' AS pack_lr,
	params->'clip_r' AS clip_r, params->'momentum' AS momentum, params->'weight_decay' AS weight_decay,
	params::text ~ '[0-9]{12}' AS long_digits
FROM hack.models WHERE model = 'ref_default';
-- the same values passed explicitly give the same embeddings
CALL hack_train(model => 'ref_explicit', :common, riemannian_grad => true, normalise => 'group',
	lr_floor => 0, lr_schedule => 'step', reassign_phase => 0);
SELECT count(*) AS differing FROM hack.embeddings d JOIN hack.embeddings e USING (id)
WHERE d.model = 'ref_default' AND e.model = 'ref_explicit' AND d.embedding <> e.embedding;
-- a model stored before 1.4 holds "lr": 0.10000000000000001 (the same float8): it
-- embeds, exports, imports and resumes as before; the retrain records 0.1
UPDATE hack.models SET params = jsonb_set(params, '{lr}', '0.10000000000000001') WHERE model = 'ref_explicit';
SELECT params->'lr' AS stored_lr FROM hack.models WHERE model = 'ref_explicit';
SELECT max(hack_embed('ref_explicit', i.img) <-> e.embedding) < 1e-6 AS embeds
FROM ref_imgs i JOIN hack.embeddings e ON e.model = 'ref_explicit' AND e.id = i.id;
SELECT hack_import_model('ref_old_copy', hack_export_model('ref_explicit'), 'ref_imgs') AS imported;
SELECT params->'lr' AS imported_lr FROM hack.models WHERE model = 'ref_old_copy';
CALL hack_train(model => 'ref_explicit', :common, resume => true);
SELECT params->'lr' AS lr, params->'resume' AS resume FROM hack.models WHERE model = 'ref_explicit';

-- each choice away from the defaults (1.2's Euclidean gradient, and each
-- reference choice) trains, is recorded, and moves the embeddings
CALL hack_train(model => 'ref_euclidean', :common, riemannian_grad => false);
CALL hack_train(model => 'ref_none', :common, normalise => 'none');
CALL hack_train(model => 'ref_floor', :common, lr_floor => 0.5);
CALL hack_train(model => 'ref_epoch', :common, lr_schedule => 'epoch');
CALL hack_train(model => 'ref_phase', :common, reassign_phase => 1);
SELECT e.model, count(*) AS rows,
	count(*) FILTER (WHERE e.embedding <> d.embedding) > 0 AS moved,
	m.params->'riemannian_grad' AS riemannian_grad, m.params->>'normalise' AS normalise,
	m.params->'lr_floor' AS lr_floor, m.params->>'lr_schedule' AS lr_schedule,
	m.params->'reassign_phase' AS reassign_phase
FROM hack.embeddings e JOIN hack.embeddings d ON d.model = 'ref_default' AND d.id = e.id
	JOIN hack.models m ON m.model = e.model
WHERE e.model IN ('ref_euclidean', 'ref_none', 'ref_floor', 'ref_epoch', 'ref_phase')
GROUP BY e.model, m.params ORDER BY 1;

-- 'none' stores mean 0 and deviation 255 (u8 pixels / 255, the reference's
-- [0, 1] input), 'group' the group's statistics
SELECT model, normalisation FROM hack.model_groups
WHERE model IN ('ref_none', 'ref_default') ORDER BY 1;
-- a model trained with 'none' embeds without z-scoring: hack_embed, the
-- trigger and hack_refresh reproduce the stored embeddings
SELECT max(hack_embed('ref_none', i.img) <-> e.embedding) < 1e-6 AS embed_matches
FROM ref_imgs i JOIN hack.embeddings e ON e.model = 'ref_none' AND e.id = i.id;
CREATE TRIGGER ref_embed AFTER INSERT OR UPDATE OR DELETE ON ref_imgs
	FOR EACH ROW EXECUTE FUNCTION hack_embed_trigger('ref_none');
INSERT INTO ref_imgs VALUES (49, pg_temp.ref_image(49));
SELECT hack_embed('ref_none', pg_temp.ref_image(49)) <-> embedding < 1e-6 AS trigger_matches
FROM hack.embeddings WHERE model = 'ref_none' AND id = 49;
DROP TRIGGER ref_embed ON ref_imgs;
INSERT INTO ref_imgs VALUES (50, pg_temp.ref_image(50));
CALL hack_refresh('ref_none');
SELECT max(hack_embed('ref_none', i.img) <-> e.embedding) < 1e-6 AS refresh_matches
FROM ref_imgs i JOIN hack.embeddings e ON e.model = 'ref_none' AND e.id = i.id;

-- resume keeps the stored normalisation (as it keeps clip_r), and records it
CALL hack_train(model => 'ref_none', :common, resume => true, normalise => 'group');
SELECT m.params->>'normalise' AS normalise, m.params->'resume' AS resume, g.normalisation
FROM hack.models m JOIN hack.model_groups g USING (model) WHERE model = 'ref_none';
-- the other four are the call's, as epochs and lr are (reassign_phase: its default)
CALL hack_train(model => 'ref_phase', :common, resume => true, lr_schedule => 'epoch', lr_floor => 0.001);
SELECT params->>'lr_schedule' AS lr_schedule, params->'lr_floor' AS lr_floor,
	params->'reassign_phase' AS reassign_phase
FROM hack.models WHERE model = 'ref_phase';

-- bad values
SELECT pg_temp.sqlstate_of($$SELECT pg_temp.ref_train('x', ', normalise => ''zscore''')$$) AS normalise_unknown,
	pg_temp.sqlstate_of($$CALL hack_train(model => 'x', source => 'ref_imgs', normalise => 'none')$$) AS none_with_auto,
	pg_temp.sqlstate_of($$SELECT pg_temp.ref_train('x', ', lr_floor => -0.1')$$) AS floor_negative,
	pg_temp.sqlstate_of($$SELECT pg_temp.ref_train('x', ', lr_floor => 1.5')$$) AS floor_above_1,
	pg_temp.sqlstate_of($$SELECT pg_temp.ref_train('x', ', lr_floor => ''NaN''')$$) AS floor_nan,
	pg_temp.sqlstate_of($$SELECT pg_temp.ref_train('x', ', lr_schedule => ''linear''')$$) AS schedule_unknown,
	pg_temp.sqlstate_of($$SELECT pg_temp.ref_train('x', ', reassign_phase => 2')$$) AS phase_too_big,
	pg_temp.sqlstate_of($$SELECT pg_temp.ref_train('x', ', reassign_phase => -1')$$) AS phase_negative,
	pg_temp.sqlstate_of($$SELECT pg_temp.ref_train('x', ', reassign_every => 0, reassign_phase => 1')$$) AS phase_without_reassign;
-- a phase below reassign_every is accepted
CALL hack_train(model => 'ref_phase3', source => 'ref_imgs', format => 'u8', epochs => 1, pack_epochs => 20,
	reassign_every => 3, reassign_phase => 2);
SELECT pg_temp.sqlstate_of($$SELECT pg_temp.ref_train('x', ', riemannian_grad => NULL')$$) AS riemannian_null,
	pg_temp.sqlstate_of($$SELECT pg_temp.ref_train('x', ', normalise => NULL')$$) AS normalise_null,
	pg_temp.sqlstate_of($$SELECT pg_temp.ref_train('x', ', lr_floor => NULL')$$) AS floor_null,
	pg_temp.sqlstate_of($$SELECT pg_temp.ref_train('x', ', lr_schedule => NULL')$$) AS schedule_null,
	pg_temp.sqlstate_of($$SELECT pg_temp.ref_train('x', ', reassign_phase => NULL')$$) AS phase_null;
-- the messages
\set VERBOSITY terse
CALL hack_train(model => 'x', source => 'ref_imgs', format => 'u8', lr_floor => 2);
CALL hack_train(model => 'x', source => 'ref_imgs', format => 'u8', reassign_phase => 5);
CALL hack_train(model => 'x', source => 'ref_imgs', normalise => 'none');
CALL hack_train(model => 'x', source => 'ref_imgs', format => 'u8', lr_schedule => 'linear');
\set VERBOSITY default

SELECT hack_drop_model(model) FROM hack.models WHERE model LIKE 'ref\_%' ORDER BY model;
DROP TABLE ref_imgs;
