-- hack--1.2--1.3.sql: hack_train's riemannian_grad defaults to true (doc/training.md, "Fidelity benchmark");
-- PNG and JPEG images (formats png and jpeg, hack_image_tensor)
\echo Use "ALTER EXTENSION hack UPDATE TO '1.3'" to load this file. \quit

------------------------------------------------------------------------
-- The default was chosen by measurement: with the reference's Riemannian
-- gradient, hack_train ranks planted outliers and typical blends at or
-- above a PyTorch port of the reference, where 1.2's exact Euclidean
-- gradient put outliers nearer the origin the longer it trained.  Only
-- the default changes: the same arguments, C symbol and privileges
-- (CREATE OR REPLACE keeps the grants); a call that names riemannian_grad
-- is unaffected, and models trained before keep their recorded params.
------------------------------------------------------------------------

CREATE OR REPLACE PROCEDURE hack_train(
	model text,
	source regclass,
	id_column name DEFAULT 'id',
	image_column name DEFAULT 'img',
	group_column name DEFAULT NULL,
	height integer DEFAULT 28,
	width integer DEFAULT 28,
	channels integer DEFAULT 1,
	format text DEFAULT 'auto',
	architecture text DEFAULT 'lenet',
	hidden integer[] DEFAULT '{256,128}',
	dim integer DEFAULT 2,
	epochs integer DEFAULT 200,
	batch_size integer DEFAULT 256,
	lr double precision DEFAULT 0.1,
	momentum double precision DEFAULT 0,
	weight_decay double precision DEFAULT 0,
	reassign_every integer DEFAULT 2,
	radius double precision DEFAULT 0.76,
	k double precision DEFAULT 1.55,
	pack_epochs integer DEFAULT 1000,
	pack_lr double precision DEFAULT 0.01,
	clip_r double precision DEFAULT 2.3,
	seed bigint DEFAULT 0,
	skip_invalid boolean DEFAULT false,
	resume boolean DEFAULT false,
	if_busy text DEFAULT 'error',
	riemannian_grad boolean DEFAULT true,
	normalise text DEFAULT 'group',
	lr_floor double precision DEFAULT 0,
	lr_schedule text DEFAULT 'step',
	reassign_phase integer DEFAULT 0)
	AS 'MODULE_PATHNAME' LANGUAGE C;
COMMENT ON PROCEDURE hack_train(text, regclass, name, name, name, integer, integer, integer, text, text, integer[], integer, integer, integer, double precision, double precision, double precision, integer, double precision, double precision, integer, double precision, double precision, bigint, boolean, boolean, text, boolean, text, double precision, text, integer) IS
	'trains HACK on the images of a table (per group) and writes hack.models and hack.embeddings; commits after each group when called outside a transaction block; resume => true warm-starts from the stored models; one job per model at a time (if_busy: error, skip or wait); riemannian_grad (default true since 1.3: the reference''s Riemannian gradient, chosen by measurement), normalise (group or none), lr_floor, lr_schedule (step or epoch) and reassign_phase select the reference implementation''s choices (doc/training.md)';

------------------------------------------------------------------------
-- PNG and JPEG images (doc/training.md, "Image formats"): models may be
-- trained with format png or jpeg (auto detects them), and
-- hack_image_tensor shows the pixels the encoder sees.  The models table
-- only widens its CHECK, under the name the fresh install gives it.
------------------------------------------------------------------------

ALTER TABLE hack.models DROP CONSTRAINT models_format_check;
ALTER TABLE hack.models ADD CONSTRAINT models_format_check
	CHECK (format IN ('auto', 'u8', 'f32', 'npy', 'png', 'jpeg'));
COMMENT ON COLUMN hack.models.format IS 'how images are decoded: auto, u8, f32, npy, png or jpeg';

-- hack_image_tensor is STABLE, not IMMUTABLE: whether it returns at all
-- depends on the setting hack.max_image_pixels.  Were it IMMUTABLE, a call
-- on constants could be folded into a cached plan, or stored in an index
-- or a generated column, under one limit and read back under another, so
-- the limit a session runs under would not hold; the pixels also follow
-- the linked libjpeg's IDCT, which a library upgrade may change.
CREATE FUNCTION hack_image_tensor(img bytea, height integer, width integer, channels integer, format text DEFAULT 'auto') RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hack_image_tensor(bytea, integer, integer, integer, text) IS
	'the pixels the encoder sees for an image: decoded as hack_train decodes it (format auto, u8, f32, npy, png or jpeg; PNG and JPEG converted to channels, alpha on white, stretched to height x width as Pillow''s BILINEAR), as uint8 in CHW order, rounded and clamped to 0..255';

-- resnet20 (doc/encoder.md) is a third encoder
COMMENT ON COLUMN hack.models.architecture IS 'the encoder: lenet, mlp or resnet20';
