-- search_path safety: a schema ahead of pg_catalog in the caller's search_path
-- defines traps (functions, an operator and types named like the ones our SQL
-- and SPI queries use); calling our functions must not fire any of them
SET client_min_messages = warning;
CREATE SCHEMA regress_trap;
CREATE FUNCTION regress_trap.trap() RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN RAISE EXCEPTION 'trap fired'; END$$;
CREATE FUNCTION regress_trap.text_eq(a text, b text) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN RAISE EXCEPTION 'trap fired: = on text'; END$$;
CREATE OPERATOR regress_trap.= (LEFTARG = text, RIGHTARG = text, FUNCTION = regress_trap.text_eq);
CREATE FUNCTION regress_trap.dist(a poincare_point, b poincare_point) RETURNS float8 LANGUAGE plpgsql AS
$$BEGIN RAISE EXCEPTION 'trap fired: <->'; END$$;
CREATE OPERATOR regress_trap.<-> (LEFTARG = poincare_point, RIGHTARG = poincare_point, FUNCTION = regress_trap.dist);
CREATE FUNCTION regress_trap.poincare_norm(p poincare_point, c float8 DEFAULT 1) RETURNS float8 LANGUAGE plpgsql AS
$$BEGIN RAISE EXCEPTION 'trap fired: poincare_norm'; END$$;
CREATE FUNCTION regress_trap.now() RETURNS timestamptz LANGUAGE plpgsql AS
$$BEGIN RAISE EXCEPTION 'trap fired: now'; END$$;
CREATE FUNCTION regress_trap.unnest(bigint[], poincare_point[], poincare_point[], integer[], float8[])
	RETURNS TABLE (a bigint, b poincare_point, c poincare_point, d integer, e float8) LANGUAGE plpgsql AS
$$BEGIN RAISE EXCEPTION 'trap fired: unnest'; END$$;
CREATE FUNCTION regress_trap.has_table_privilege(oid, text) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN RAISE EXCEPTION 'trap fired: has_table_privilege'; END$$;
CREATE FUNCTION regress_trap.atan2(float8, float8) RETURNS float8 LANGUAGE plpgsql AS
$$BEGIN RAISE EXCEPTION 'trap fired: atan2'; END$$;
CREATE DOMAIN regress_trap.jsonb AS pg_catalog.text CHECK (regress_trap.trap());
CREATE DOMAIN regress_trap.text AS pg_catalog.text CHECK (regress_trap.trap());
CREATE DOMAIN regress_trap.int8 AS pg_catalog.int8 CHECK (regress_trap.trap());
CREATE DOMAIN regress_trap.regclass AS pg_catalog.oid CHECK (regress_trap.trap());
CREATE TABLE sp_imgs (id bigint, label int, img bytea);
INSERT INTO sp_imgs SELECT i, i % 2, decode(string_agg(lpad(to_hex((hashint4(p * 17 + i) & 255)), 2, '0'), '' ORDER BY p), 'hex')
	FROM generate_series(1, 24) i, generate_series(0, 783) p GROUP BY i;

SET search_path = regress_trap, public, pg_catalog;
-- the traps are live for the caller's own queries
SELECT 'a'::pg_catalog.text = 'a'::pg_catalog.text;
SELECT poincare_norm('(0.5,0)');
-- but not inside ours: training (SPI on the source and the catalogue, per group), embedding,
-- selection, density, the progress view
CALL hack_train(model => 'sp', source => 'sp_imgs', group_column => 'label', epochs => 1, pack_epochs => 20, seed => 1);
SELECT count(*) FROM hack.embeddings WHERE model OPERATOR(pg_catalog.=) 'sp';
SELECT poincare_dim(hack_embed('sp', img, '1')) FROM sp_imgs WHERE id OPERATOR(pg_catalog.=) 1;
SELECT count(*) FROM hack_select('sp', 0.5);
SELECT count(*) FROM hack_select('sp', 0.5, 'diverse');
SELECT count(*) FROM hack_knn_density('sp', 3);
SELECT count(*) FROM hack.training_progress;
SELECT count(*) FROM hack_pack(8, seed => 1);
-- pictures: the gallery joins the embeddings to the source, the plot reads its thumbnails
SELECT length(hack_gallery('sp', '1', n => 2, cell => 16)) > 0 AS gallery;
SELECT length(hack_plot('sp', '1', size => 64)) > 0 AS plot;
RESET search_path;
SELECT hack_drop_model('sp');
DROP TABLE sp_imgs;
DROP SCHEMA regress_trap CASCADE;
