-- hack_plot: a PNG of 2-D embeddings in the Poincaré disc
CREATE TABLE plot_pts AS
SELECT i, i % 3 AS g, expmap0(ARRAY[cos(i), sin(i)] || ARRAY[]::float8[])::poincare_point AS p,
	decode(repeat(lpad(to_hex(i % 256), 2, '0'), 16), 'hex') AS img
FROM generate_series(1, 60) i;
-- PNG signature, then IHDR width and height
SELECT substr(png, 1, 8) = '\x89504e470d0a1a0a'::bytea AS is_png,
	get_byte(png, 16) << 24 | get_byte(png, 17) << 16 | get_byte(png, 18) << 8 | get_byte(png, 19) AS width,
	get_byte(png, 20) << 24 | get_byte(png, 21) << 16 | get_byte(png, 22) << 8 | get_byte(png, 23) AS height
FROM (SELECT hack_plot(array_agg(p), array_agg(g), size => 300) AS png FROM plot_pts) s;
SELECT length(hack_plot(array_agg(p ORDER BY i), color_by => 'norm', size => 64)) > 100 AS by_norm FROM plot_pts;
SELECT length(hack_plot(array_agg(p ORDER BY i), array_agg(g ORDER BY i), array_agg(img ORDER BY i),
	size => 256, height => 4, width => 4, rays => 6, rings => 2)) > 100 AS with_thumbnails FROM plot_pts;
SELECT length(hack_plot(ARRAY[]::poincare_point[], size => 64)) > 0 AS empty_disc;
SELECT hack_plot(NULL) IS NULL AS null_points;
-- bad input
SELECT hack_plot(ARRAY['(0.1,0.2,0.3)'::poincare_point]);
SELECT hack_plot(ARRAY['(0.1,0.2)'::poincare_point], ARRAY[1, 2]);
SELECT hack_plot(ARRAY['(0.1,0.2)'::poincare_point], size => 10);
SELECT hack_plot(ARRAY['(0.1,0.2)'::poincare_point], color_by => 'rainbow');
SELECT hack_plot(ARRAY['(0.1,0.2)'::poincare_point], images => ARRAY['\x00'::bytea]);
SELECT hack_plot(ARRAY['(0.1,0.2)'::poincare_point], images => ARRAY['\x00'::bytea], height => 1, width => 1, rays => 0);
SELECT hack_plot(ARRAY['(0.1,0.2)'::poincare_point, NULL]);
SELECT hack_plot(ARRAY['(0.1,0.2)'::poincare_point], size => NULL);
