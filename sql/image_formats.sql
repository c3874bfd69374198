-- PNG and JPEG images: hack_image_tensor (the pixels the encoder sees),
-- detection, conversion, resize, the pixel limit, and bad files.  The
-- files are tiny and generated (test/t/image_pillow.py's encoder, Pillow);
-- test/t/018_image_pillow.pl compares hundreds more with Pillow.
SET client_min_messages = warning;
CREATE TABLE img_fixtures (name text PRIMARY KEY, img bytea);
INSERT INTO img_fixtures VALUES
	-- 3 x 2 RGB: red green blue / (10,20,30) grey white
	('rgb', '\x89504e470d0a1a0a0000000d49484452000000030000000208020000001216f14d000000184944415478da63f8cfc0c000c15c22720d0d0dffffff07003c2d07b71a6f4f500000000049454e44ae426082'),
	-- 2 x 2 RGBA: opaque red, transparent green / half blue, opaque black
	('rgba', '\x89504e470d0a1a0a0000000d494844520000000200000002080600000072b60d24000000144944415478da63f8cfc0f01f0841e07f038800003460057cd06bac590000000049454e44ae426082'),
	-- 2 x 2 1-bit palette (200,100,50) / transparent, tRNS
	('palette', '\x89504e470d0a1a0a0000000d494844520000000200000002010300000048789f6700000006504c5445c864320000006e4cc4b10000000274524e53ff00e5b7304a0000000c4944415478da637060680000014400c10487cffa0000000049454e44ae426082'),
	-- 8 x 8 grey JPEG, columns 0, 32, ..., 224 (quality 100)
	('jpeg_grey', '\xffd8ffe000104a46494600010100000100010000ffdb00430001010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101ffc0000b080008000801011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00f9ff00fe0db8ff00990bfee1bffb4abfffd9'),
	-- 8 x 8 JPEG of one colour (200, 30, 60), 4:2:0
	('jpeg_rgb', '\xffd8ffe000104a46494600010100000100010000ffdb0043000201010101010201010102020202020403020202020504040304060506060605060606070908060709070606080b08090a0a0a0a0a06080b0c0b0a0c090a0a0affdb004301020202020202050303050a0706070a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0affc00011080008000803012200021101031101ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffc4001f0100030101010101010101010000000000000102030405060708090a0bffc400b51100020102040403040705040400010277000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35363738393a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9faffda000c03010002110311003f00f93e8a28af873fd4c3ffd9'),
	-- bombs and bad headers: IHDR claiming 100000 x 100000 (valid CRC), width 0, width 2^31
	('png_bomb', '\x89504e470d0a1a0a0000000d49484452000186a0000186a008000000008d3954140000000c49444154789c6360a03d00000064000186643c350000000049454e44ae426082'),
	('png_zero', '\x89504e470d0a1a0a0000000d49484452000000000000000508000000004e2db27d0000000049454e44ae426082'),
	('png_huge', '\x89504e470d0a1a0a0000000d494844528000000000000001080000000075d6d57c0000000049454e44ae426082'),
	('jpeg_no_sof', '\xffd8ffd9');
-- the RGB PNG with a flipped bit in IHDR (bad CRC), cut inside IDAT, and the
-- colour JPEG with a frame header claiming 60000 x 60000, and cut in its scan
INSERT INTO img_fixtures SELECT 'png_bad_crc', set_byte(img, 25, get_byte(img, 25) # 1) FROM img_fixtures WHERE name = 'rgb';
INSERT INTO img_fixtures SELECT 'png_truncated', substr(img, 1, 50) FROM img_fixtures WHERE name = 'rgb';
INSERT INTO img_fixtures SELECT 'jpeg_bomb', overlay(img PLACING '\xea60ea60' FROM 164 FOR 4) FROM img_fixtures WHERE name = 'jpeg_rgb';
INSERT INTO img_fixtures SELECT 'jpeg_truncated', substr(img, 1, length(img) - 8) FROM img_fixtures WHERE name = 'jpeg_rgb';
CREATE FUNCTION pg_temp.fx(n text) RETURNS bytea LANGUAGE sql AS $$ SELECT img FROM img_fixtures WHERE name = n $$;

-- the function: stable (it depends on hack.max_image_pixels), strict, parallel safe
SELECT provolatile, proisstrict, proparallel FROM pg_proc WHERE proname = 'hack_image_tensor';

-- decoding at the native size: CHW uint8
SELECT hack_image_tensor(pg_temp.fx('rgb'), 2, 3, 3);
SELECT hack_image_tensor(pg_temp.fx('rgb'), 2, 3, 1);	-- luma: 76 150 29 / 18 128 255
SELECT hack_image_tensor(pg_temp.fx('rgb'), 2, 3, 3, 'png') = hack_image_tensor(pg_temp.fx('rgb'), 2, 3, 3) AS named_is_auto;
-- alpha on white: transparent is white, half blue is (127, 127, 255)
SELECT hack_image_tensor(pg_temp.fx('rgba'), 2, 2, 3);
SELECT hack_image_tensor(pg_temp.fx('palette'), 2, 2, 3);
SELECT hack_image_tensor(pg_temp.fx('jpeg_grey'), 1, 8, 1);	-- one row, 8 columns: stretched 8 x 8 -> 1 x 8
SELECT hack_image_tensor(pg_temp.fx('jpeg_rgb'), 1, 1, 3);
SELECT hack_image_tensor(pg_temp.fx('jpeg_rgb'), 1, 1, 3, 'jpeg');
-- resize: stretched (no crop), antialiased when shrinking
SELECT hack_image_tensor(pg_temp.fx('rgb'), 1, 1, 3);
SELECT hack_image_tensor(pg_temp.fx('rgb'), 4, 6, 1);
SELECT length(hack_image_tensor(pg_temp.fx('palette'), 32, 17, 3)) AS upscaled_len;
-- raw formats come out as stored, rounded and clamped
SELECT hack_image_tensor('\x00ff7f'::bytea, 1, 3, 1, 'u8');
SELECT hack_image_tensor('\x0000c0bf0000803f00007f43000080440000003f'::bytea, 1, 5, 1, 'f32');

-- bad parameters: 22023
\set VERBOSITY sqlstate
SELECT hack_image_tensor(pg_temp.fx('rgb'), 2, 3, 2);
SELECT hack_image_tensor(pg_temp.fx('rgb'), 2, 3, 4, 'jpeg');
SELECT hack_image_tensor(pg_temp.fx('rgb'), 0, 3, 3);
SELECT hack_image_tensor(pg_temp.fx('rgb'), 2, 5000, 3);
SELECT hack_image_tensor(pg_temp.fx('rgb'), 2, 3, 3, 'gif');
\set VERBOSITY default
SELECT hack_image_tensor(pg_temp.fx('rgb'), 2, 3, 2);
SELECT hack_image_tensor(pg_temp.fx('rgb'), 2, 3, 3, 'gif');

-- bad files: 22P03, bombs: 54000 (from the header, before decoding)
\set VERBOSITY sqlstate
SELECT hack_image_tensor(pg_temp.fx('png_bomb'), 2, 2, 1);
SELECT hack_image_tensor(pg_temp.fx('jpeg_bomb'), 2, 2, 1);
SELECT hack_image_tensor(pg_temp.fx('png_zero'), 2, 2, 1);
SELECT hack_image_tensor(pg_temp.fx('png_huge'), 2, 2, 1);
SELECT hack_image_tensor(pg_temp.fx('png_bad_crc'), 2, 2, 1);
SELECT hack_image_tensor(pg_temp.fx('png_truncated'), 2, 2, 1);
SELECT hack_image_tensor(pg_temp.fx('jpeg_no_sof'), 2, 2, 1);
SELECT hack_image_tensor(pg_temp.fx('jpeg_truncated'), 2, 2, 1);
SELECT hack_image_tensor(pg_temp.fx('rgb'), 2, 2, 1, 'jpeg');
SELECT hack_image_tensor(pg_temp.fx('jpeg_rgb'), 2, 2, 1, 'png');
SELECT hack_image_tensor('\x89504e470d0a1a0a'::bytea, 2, 2, 1);
\set VERBOSITY default
SELECT hack_image_tensor(pg_temp.fx('png_bomb'), 2, 2, 1);
SELECT hack_image_tensor(pg_temp.fx('jpeg_bomb'), 2, 2, 1);
SELECT hack_image_tensor(pg_temp.fx('png_bad_crc'), 2, 2, 1);
SELECT hack_image_tensor(pg_temp.fx('jpeg_no_sof'), 2, 2, 1);
SELECT hack_image_tensor(pg_temp.fx('jpeg_truncated'), 2, 2, 1);

-- the pixel limit: a superuser setting, capped
SHOW hack.max_image_pixels;
SET hack.max_image_pixels = 5;
SELECT hack_image_tensor(pg_temp.fx('rgb'), 1, 1, 1);	-- 6 pixels
SET hack.max_image_pixels = 6;
SELECT hack_image_tensor(pg_temp.fx('rgb'), 1, 1, 1);
RESET hack.max_image_pixels;
\set VERBOSITY sqlstate
SET hack.max_image_pixels = 268435457;
SET hack.max_image_pixels = 0;
CREATE ROLE img_plain;
SET ROLE img_plain;
SET hack.max_image_pixels = 1000;
RESET ROLE;
DROP ROLE img_plain;
\set VERBOSITY default

-- training: a corrupt row is refused naming its id, or skipped
CREATE TABLE img_rows (id bigint, img bytea);
INSERT INTO img_rows SELECT i, CASE WHEN i % 2 = 0 THEN pg_temp.fx('rgb') ELSE pg_temp.fx('jpeg_rgb') END
	FROM generate_series(1, 16) i;
INSERT INTO img_rows SELECT 99, img FROM img_fixtures WHERE name = 'png_truncated';
\set VERBOSITY sqlstate
CALL hack_train(model => 'img_bad', source => 'img_rows', height => 8, width => 8, channels => 3, architecture => 'mlp', epochs => 1, seed => 1);
\set VERBOSITY default
CALL hack_train(model => 'img_bad', source => 'img_rows', height => 8, width => 8, channels => 3, architecture => 'mlp', epochs => 1, seed => 1);
CALL hack_train(model => 'img_ok', source => 'img_rows', height => 8, width => 8, channels => 3, format => 'png', architecture => 'mlp', epochs => 1, seed => 1, skip_invalid => true);
SELECT count(*) AS embedded_png_rows FROM hack.embeddings WHERE model = 'img_ok';
SELECT format, channels FROM hack.models WHERE model = 'img_ok';
-- normalise => 'none' scales PNG and JPEG pixels as u8 (by 255)
CALL hack_train(model => 'img_raw', source => 'img_rows', height => 8, width => 8, channels => 3, format => 'jpeg', architecture => 'mlp', epochs => 1, seed => 1, skip_invalid => true, normalise => 'none');
SELECT count(*) AS embedded_jpeg_rows FROM hack.embeddings WHERE model = 'img_raw';
SELECT hack_drop_model('img_ok'), hack_drop_model('img_raw');
DROP TABLE img_rows, img_fixtures;
