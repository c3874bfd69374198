-- hack_gallery and hack_plot(model, group_key): pictures of a trained
-- model, its source read as the caller.  Tiny models (8 x 8 images, an mlp,
-- one epoch) train in milliseconds; the pictures are decoded back with
-- hack_image_tensor (PNG, at their own size) to check sizes and pixels.
SET client_min_messages = warning;
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN EXECUTE q; RETURN 'ok'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END$$;
CREATE FUNCTION pg_temp.message_of(q text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN EXECUTE q; RETURN 'ok'; EXCEPTION WHEN OTHERS THEN RETURN SQLERRM; END$$;
-- width and height from the IHDR of a PNG
CREATE FUNCTION pg_temp.png_size(png bytea) RETURNS text LANGUAGE sql AS $$
	SELECT CASE WHEN substr(png, 1, 8) = '\x89504e470d0a1a0a'::bytea THEN
		(get_byte(png, 16) << 24 | get_byte(png, 17) << 16 | get_byte(png, 18) << 8 | get_byte(png, 19))
		|| ' x ' || (get_byte(png, 20) << 24 | get_byte(png, 21) << 16 | get_byte(png, 22) << 8 | get_byte(png, 23))
	END
$$;
-- the RGB pixels of a PNG: (x, y, r, g, b), decoded by hack's own PNG reader at the PNG's size
CREATE FUNCTION pg_temp.pixels(png bytea) RETURNS TABLE (x int, y int, r int, g int, b int) LANGUAGE sql AS $$
	WITH s AS (SELECT w, h, hack_image_tensor(png, h, w, 3, 'png') AS t
		FROM (SELECT split_part(pg_temp.png_size(png), ' x ', 1)::int AS w,
			split_part(pg_temp.png_size(png), ' x ', 2)::int AS h) d)
	SELECT p % w, p / w, get_byte(t, p), get_byte(t, w * h + p), get_byte(t, 2 * w * h + p)
	FROM s, generate_series(0, w * h - 1) p
$$;
CREATE FUNCTION pg_temp.coloured(png bytea) RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM pg_temp.pixels(png) WHERE r <> g OR g <> b
$$;
CREATE FUNCTION pg_temp.red(png bytea) RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM pg_temp.pixels(png) WHERE r = 255 AND g = 0 AND b = 0
$$;

-- both read tables: stable; they read the source as the caller, which a
-- parallel worker cannot do for a temporary table: parallel restricted
SELECT p.oid::regprocedure, provolatile, proisstrict, proparallel, prosecdef
FROM pg_proc p WHERE proname IN ('hack_gallery', 'hack_plot') ORDER BY 1::text;

-- 24 grey 8 x 8 images in two groups, each of one grey level (id * 9)
CREATE TABLE gal_grey (id bigint, label int, img bytea);
INSERT INTO gal_grey SELECT i, i % 2, decode(repeat(lpad(to_hex(i * 9 % 256), 2, '0'), 64), 'hex')
FROM generate_series(1, 24) i;
CALL hack_train(model => 'gal', source => 'gal_grey', group_column => 'label', height => 8, width => 8,
	architecture => 'mlp', hidden => '{8}', epochs => 1, pack_epochs => 20, seed => 1);

-- the size follows the parameters only: 4 cells of 16 pixels a block, two blocks
SELECT pg_temp.png_size(hack_gallery('gal', '0', n => 4, columns => 4, cell => 16)) AS size_4,
	pg_temp.png_size(hack_gallery('gal', '0', n => 8, columns => 4, cell => 16)) AS size_8_in_2_rows,
	pg_temp.png_size(hack_gallery('gal', '0')) AS size_default;
-- a grey source gives a grey picture (frames and text are grey too)
SELECT pg_temp.coloured(hack_gallery('gal', '0', n => 4, columns => 4, cell => 16)) AS coloured_pixels;
-- the cells hold the images: the first cell of each block shows the row of
-- smallest and of largest norm, scaled by 2 (8 pixels in 16); the image
-- sits at (10, 30) and the second block 70 pixels lower
WITH g AS (SELECT hack_gallery('gal', '0', n => 4, columns => 4, cell => 16) AS png),
	typ AS (SELECT id FROM hack.embeddings WHERE model = 'gal' AND group_key = '0' ORDER BY norm, id LIMIT 1),
	atyp AS (SELECT id FROM hack.embeddings WHERE model = 'gal' AND group_key = '0' ORDER BY norm DESC, id DESC LIMIT 1)
SELECT (SELECT r FROM g, pg_temp.pixels(g.png) p WHERE (x, y) = (10 + 7, 30 + 7)) = (SELECT id * 9 % 256 FROM typ) AS typical_cell,
	(SELECT r FROM g, pg_temp.pixels(g.png) p WHERE (x, y) = (10, 30)) = (SELECT id * 9 % 256 FROM typ) AS typical_corner,
	(SELECT r FROM g, pg_temp.pixels(g.png) p WHERE (x, y) = (10 + 15, 100 + 15)) = (SELECT id * 9 % 256 FROM atyp) AS atypical_cell,
	(SELECT (r, g, b) FROM g, pg_temp.pixels(g.png) p WHERE (x, y) = (9, 30)) = (60, 60, 60) AS framed,
	(SELECT (r, g, b) FROM g, pg_temp.pixels(g.png) p WHERE (x, y) = (2, 2)) = (255, 255, 255) AS white_margin;
-- the labels under each cell are drawn: dark pixels in the 20 rows below the first image
SELECT count(*) > 10 AS labelled FROM pg_temp.pixels(hack_gallery('gal', '0', n => 4, columns => 4, cell => 16))
WHERE y BETWEEN 30 + 16 + 1 AND 30 + 16 + 20 AND x BETWEEN 8 AND 34 AND r < 100;
-- a group with fewer rows than 2 n: the blocks overlap, the picture keeps its size
SELECT pg_temp.png_size(hack_gallery('gal', '1', n => 20, columns => 10, cell => 16)) AS size_20;

-- hack_plot by model is the four-line join it replaces: the same picture, byte for byte
SELECT hack_plot('gal', '0', size => 256) = (
	SELECT hack_plot(array_agg(e.embedding ORDER BY e.id), NULL, array_agg(s.img ORDER BY e.id), size => 256,
		height => 8, width => 8)
	FROM hack.embeddings e JOIN gal_grey s USING (id) WHERE e.model = 'gal' AND e.group_key = '0') AS same_group;
SELECT hack_plot('gal', size => 256, color_by => 'norm', rays => 6, rings => 2) = (
	SELECT hack_plot(array_agg(e.embedding ORDER BY e.group_key, e.id), array_agg(e.group_key::int ORDER BY e.group_key, e.id),
		array_agg(s.img ORDER BY e.group_key, e.id), size => 256, color_by => 'norm', rays => 6, rings => 2,
		height => 8, width => 8)
	FROM hack.embeddings e JOIN gal_grey s USING (id) WHERE e.model = 'gal') AS same_all_groups;
SELECT hack_plot('gal', thumbnails => false, size => 128) = (
	SELECT hack_plot(array_agg(e.embedding ORDER BY e.group_key, e.id), array_agg(e.group_key::int ORDER BY e.group_key, e.id), size => 128)
	FROM hack.embeddings e WHERE e.model = 'gal') AS same_without_thumbnails;
SELECT pg_temp.png_size(hack_plot('gal', '1', size => 300)) AS plot_size;

-- bad parameters, missing models and groups, limits
\set VERBOSITY sqlstate
SELECT hack_gallery('gal', '0', n => 0);
SELECT hack_gallery('gal', '0', n => 65);
SELECT hack_gallery('gal', '0', n => 2000000000);
SELECT hack_gallery('gal', '0', columns => 0);
SELECT hack_gallery('gal', '0', cell => 8);
SELECT hack_gallery('gal', '0', cell => 513);
SELECT hack_gallery('gal', '0', n => 64, columns => 64, cell => 512);
SELECT hack_gallery('no_such_model');
SELECT hack_gallery('gal', '7');
SELECT hack_gallery('gal');
SELECT hack_plot('no_such_model');
SELECT hack_plot('gal', '7');
SELECT hack_plot('gal', size => 10);
SELECT hack_plot('gal', rays => 0);
SELECT hack_plot('gal', size => NULL);
\set VERBOSITY default
SELECT hack_gallery('gal', '0', n => 65);
SELECT hack_gallery('gal', '0', n => 64, columns => 64, cell => 512);
SELECT hack_gallery('gal', '7');
SELECT hack_gallery(NULL) IS NULL AS strict_null, hack_gallery('gal', NULL) IS NULL AS null_group,
	hack_plot(model => NULL) IS NULL AS plot_null;
-- only 2-D models have a disc
CALL hack_train(model => 'gal3', source => 'gal_grey', height => 8, width => 8, architecture => 'mlp',
	hidden => '{8}', dim => 3, epochs => 1, pack_epochs => 20, seed => 1);
SELECT hack_plot('gal3');
SELECT pg_temp.png_size(hack_gallery('gal3', n => 2, cell => 16)) AS gallery_3d;

-- the source as it is now: a bad image is an error naming its row, a NULL
-- image is left out, a renamed column is an error
CREATE TABLE gal_middle AS SELECT id FROM hack.embeddings WHERE model = 'gal' AND group_key = '0'
	ORDER BY norm, id OFFSET 6 LIMIT 1;
UPDATE gal_grey SET img = '\x00' WHERE id = (SELECT id FROM gal_middle);
\set VERBOSITY sqlstate
SELECT hack_gallery('gal', '0', n => 12, cell => 16);
\set VERBOSITY default
SELECT pg_temp.message_of($$SELECT hack_gallery('gal', '0', n => 12, cell => 16)$$) =
	format('image of row %s of public.gal_grey does not decode: image has 1 bytes, expected 64', id) AS names_the_row
FROM gal_middle;
SELECT pg_temp.png_size(hack_gallery('gal', '0', n => 2, cell => 16)) AS not_shown_not_decoded;
UPDATE gal_grey SET img = NULL WHERE id = (SELECT id FROM gal_middle);
SELECT pg_temp.png_size(hack_gallery('gal', '0', n => 12, columns => 12, cell => 16)) AS null_image_left_out;
-- hack_plot's thumbnails too: a bad image shown is an error naming its row; without thumbnails none is read
CREATE TABLE gal_saved AS SELECT * FROM gal_grey;
UPDATE gal_grey SET img = '\x0000' WHERE label = 0;
\set VERBOSITY sqlstate
SELECT hack_plot('gal', '0');
\set VERBOSITY default
SELECT pg_temp.message_of($$SELECT hack_plot('gal', '0')$$) ~ '^image of row [0-9]+ of public\.gal_grey does not decode: image has 2 bytes, expected 64$' AS plot_names_the_row;
SELECT pg_temp.png_size(hack_plot('gal', '0', thumbnails => false, size => 64)) AS plot_without_thumbnails;
UPDATE gal_grey g SET img = s.img FROM gal_saved s WHERE g.id = s.id;
ALTER TABLE gal_grey RENAME COLUMN img TO picture;
SELECT hack_gallery('gal', '0');
SELECT hack_plot('gal', '0');
ALTER TABLE gal_grey RENAME COLUMN picture TO img;

-- colour: a raw 3 x 8 x 8 source gives colour cells; odd rows are pure red, even rows grey
CREATE TABLE gal_rgb (id bigint, img bytea);
INSERT INTO gal_rgb SELECT i, CASE WHEN i % 2 = 1
	THEN decode(repeat('ff', 64) || repeat('00', 128), 'hex')
	ELSE decode(repeat(lpad(to_hex(i * 9 % 256), 2, '0'), 192), 'hex') END
FROM generate_series(1, 24) i;
-- and PNG and JPEG files of any size, decoded to 8 x 8 RGB: a 3 x 2 PNG
-- (red green blue / (10,20,30) grey white) and an 8 x 8 JPEG of (200, 30, 60)
CREATE TABLE gal_files (id int PRIMARY KEY, img bytea);
INSERT INTO gal_files SELECT i, CASE WHEN i % 2 = 0 THEN
	'\x89504e470d0a1a0a0000000d49484452000000030000000208020000001216f14d000000184944415478da63f8cfc0c000c15c22720d0d0dffffff07003c2d07b71a6f4f500000000049454e44ae426082'::bytea
	ELSE '\xffd8ffe000104a46494600010100000100010000ffdb0043000201010101010201010102020202020403020202020504040304060506060605060606070908060709070606080b08090a0a0a0a0a06080b0c0b0a0c090a0a0affdb004301020202020202050303050a0706070a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0affc00011080008000803012200021101031101ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffc4001f0100030101010101010101010000000000000102030405060708090a0bffc400b51100020102040403040705040400010277000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35363738393a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9faffda000c03010002110311003f00f93e8a28af873fd4c3ffd9'::bytea END
FROM generate_series(1, 12) i;
CALL hack_train(model => 'gal_files', source => 'gal_files', height => 8, width => 8, channels => 3,
	architecture => 'mlp', hidden => '{8}', epochs => 1, pack_epochs => 20, seed => 1);
SELECT pg_temp.coloured(hack_gallery('gal_files', n => 4, cell => 16)) > 0 AS files_in_colour,
	(SELECT count(*) > 0 FROM pg_temp.pixels(hack_gallery('gal_files', n => 4, cell => 16))
		WHERE abs(r - 200) <= 3 AND abs(g - 30) <= 3 AND abs(b - 60) <= 3) AS jpeg_colour_shown;

-- privileges.  owner trains on gal_rgb and sees every row; member belongs
-- to owner, but row security hides the red (odd) rows from him; reader may
-- SELECT the table under row security, so he does not see the model; eve
-- may not read the table at all
DROP ROLE IF EXISTS regress_gal_owner, regress_gal_member, regress_gal_reader, regress_gal_eve;
CREATE ROLE regress_gal_owner;
CREATE ROLE regress_gal_member IN ROLE regress_gal_owner;
CREATE ROLE regress_gal_reader;
CREATE ROLE regress_gal_eve;
GRANT SELECT ON gal_rgb TO regress_gal_owner, regress_gal_reader;
ALTER TABLE gal_rgb ENABLE ROW LEVEL SECURITY;
CREATE POLICY gal_even ON gal_rgb USING (current_user = 'regress_gal_owner' OR id % 2 = 0);
SET ROLE regress_gal_owner;
CALL hack_train(model => 'gal_rgb', source => 'gal_rgb', height => 8, width => 8, channels => 3,
	architecture => 'mlp', hidden => '{8}', epochs => 1, pack_epochs => 20, seed => 1);
SELECT count(*) AS embedded FROM hack.embeddings WHERE model = 'gal_rgb';
SELECT pg_temp.red(hack_gallery('gal_rgb', n => 12, cell => 16)) > 0 AS owner_sees_red_cells,
	pg_temp.red(hack_plot('gal_rgb', size => 256)) > 0 AS owner_sees_red_thumbnails;
-- the member sees the model and its 24 embeddings, but only the images he may read
SET ROLE regress_gal_member;
SELECT count(*) AS embeddings_visible FROM hack.embeddings WHERE model = 'gal_rgb';
SELECT count(*) AS rows_readable FROM gal_rgb;
SELECT pg_temp.red(hack_gallery('gal_rgb', n => 12, cell => 16)) AS member_red_cells,
	pg_temp.coloured(hack_gallery('gal_rgb', n => 12, cell => 16)) AS member_coloured_pixels,
	pg_temp.png_size(hack_gallery('gal_rgb', n => 12, cell => 16)) AS member_size,
	pg_temp.red(hack_plot('gal_rgb', size => 256)) AS member_red_thumbnails;
-- reader and eve do not see the model: it does not exist for them
SET ROLE regress_gal_reader;
SELECT q, pg_temp.sqlstate_of(q) FROM unnest(ARRAY[
	$$SELECT hack_gallery('gal_rgb')$$, $$SELECT hack_plot('gal_rgb')$$]) q;
SET ROLE regress_gal_eve;
SELECT q, pg_temp.sqlstate_of(q) FROM unnest(ARRAY[
	$$SELECT hack_gallery('gal_rgb')$$, $$SELECT hack_plot('gal_rgb')$$,
	$$SELECT hack_gallery('gal', '0')$$, $$SELECT hack_plot('gal')$$]) q;
\set VERBOSITY sqlstate
SELECT hack_gallery('gal_rgb');
\set VERBOSITY default
RESET ROLE;

SELECT hack_drop_model('gal'), hack_drop_model('gal3'), hack_drop_model('gal_files'), hack_drop_model('gal_rgb');
DROP TABLE gal_grey, gal_rgb, gal_files, gal_middle, gal_saved;
DROP ROLE regress_gal_owner, regress_gal_member, regress_gal_reader, regress_gal_eve;
