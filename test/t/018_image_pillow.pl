# test/t/018_image_pillow.pl: PNG and JPEG decoding agrees with Pillow, and
# colour pictures go through training, embedding, refresh and the trigger.
#
# test/t/image_pillow.py writes a few hundred generated files (PNG of every
# colour type and bit depth, palettes with tRNS, colour keys, Adam7,
# 16-bit, odd sizes, 1 x 1; JPEG baseline, progressive, 4:4:4, greyscale,
# Adobe CMYK) with what Pillow makes of each through the pipeline of
# doc/training.md, "Image formats".  hack_image_tensor must give, per
# channel: a PNG at its own size exactly Pillow's pixels; a JPEG at its own
# size within 1 of Pillow's libjpeg-turbo decode; any file resized (down
# and up) within 1 of Pillow's resize(BILINEAR).  The largest differences
# found are printed (diag).
#
# Then 48 colour 32 x 32 pictures (PNG RGB, PNG RGBA and JPEG mixed, 4
# planted outliers of another kind) train a lenet through hack_train with
# format auto and channels 3: every row is embedded, hack_embed gives each
# row's stored embedding, the outliers rank atypical, and rows added later
# are embedded the same by hack_refresh and by hack_embed_trigger.  A
# corrupt PNG row fails training with 22P03 naming its id, or is skipped
# with skip_invalid.  Skipped when Pillow or numpy is missing.

use strict;
use warnings FATAL => 'all';

use HackTest;
use PostgreSQL::Test::Utils;
use Test::More;

# per channel, the largest difference allowed for each kind of case
my %TOL = ('png-exact' => 0, 'jpeg-exact' => 1, resize => 1);

my $python = hack_python();
plan skip_all => "python3-pil or python3-numpy is not installed for $python"
  if system($python, '-c', 'import numpy, PIL.Image') != 0;

my $dir    = hack_tempdir();
my $helper = hack_repo() . '/test/t/image_pillow.py';
for my $mode ('cases', 'trainset')
{
	my ($out, $err) = ('', '');
	my $ok = run_log([ $python, $helper, $mode eq 'cases' ? () : $mode ],
		'>', "$dir/$mode.sql", '2>', \$err);
	ok($ok, "image_pillow.py writes the $mode") or BAIL_OUT("image_pillow.py: $err");
}

my $node = hack_node('image_pillow');
$node->sql("CREATE EXTENSION hack;\n\\i $dir/cases.sql\n\\i $dir/trainset.sql");

my ($rc, $out, $err);

# ---- agreement with Pillow ----
my $diffs = $node->sql(q{
	CREATE FUNCTION pg_temp.maxdiff(a bytea, b bytea) RETURNS int LANGUAGE sql AS $$
		SELECT CASE WHEN length(a) <> length(b) THEN 1000 ELSE
			(SELECT coalesce(max(abs(get_byte(a, i) - get_byte(b, i))), 0)
			 FROM generate_series(0, length(a) - 1) i) END $$;
	SELECT kind, name, pg_temp.maxdiff(hack_image_tensor(img, height, width, channels), expected)
	FROM image_cases ORDER BY kind, name;
});
my (%max, %count, %worst);
for my $line (split /\n/, $diffs)
{
	my ($kind, $name, $d) = split /\|/, $line;
	$count{$kind}++;
	if (!defined $max{$kind} || $d > $max{$kind})
	{
		$max{$kind}   = $d;
		$worst{$kind} = $name;
	}
	ok($d <= $TOL{$kind}, "$name ($kind): within $TOL{$kind} of Pillow (max diff $d)")
	  if $d > $TOL{$kind};
}
for my $kind (sort keys %TOL)
{
	ok($count{$kind} && $count{$kind} >= 40, "$kind: " . ($count{$kind} // 0) . ' cases');
	ok(defined $max{$kind} && $max{$kind} <= $TOL{$kind},
		"$kind: largest difference from Pillow " . ($max{$kind} // '-') . " (at most $TOL{$kind})");
	diag("$kind: $count{$kind} cases, max difference from Pillow $max{$kind} ($worst{$kind})");
}
is($node->sql("SELECT count(*) FROM image_cases WHERE name ~ 'interlaced'") > 0 ? 1 : 0,
	1, 'interlaced PNGs are among the cases');
# explicit formats give what auto gives
is( $node->sql(q{SELECT count(*) FROM image_cases
		WHERE hack_image_tensor(img, height, width, channels, CASE WHEN name LIKE 'jpeg%' THEN 'jpeg' ELSE 'png' END)
		  <> hack_image_tensor(img, height, width, channels)}),
	'0', 'format png / jpeg named agrees with auto');

# ---- colour training with format auto ----
$node->sql(
	"CALL hack_train(model => 'colour', source => 'colour_set', height => 32, width => 32,
		channels => 3, architecture => 'lenet', epochs => 40, batch_size => 16, seed => 1)");
is($node->sql("SELECT count(*) FROM hack.embeddings WHERE model = 'colour'"),
	'48', 'every colour row is embedded');
is($node->sql("SELECT string_agg(DISTINCT fmt, ',' ORDER BY fmt) FROM colour_set"),
	'jpeg,png', 'the set mixes PNG and JPEG rows');
is( $node->sql(q{SELECT format FROM hack.models WHERE model = 'colour'}),
	'auto', 'the model decodes with format auto');
is( $node->sql(
		q{SELECT max(hack_embed('colour', s.img) <-> e.embedding) < 1e-6
		FROM colour_set s JOIN hack.embeddings e ON e.id = s.id AND e.model = 'colour'}),
	't', 'hack_embed gives every row its stored embedding');
my $auc = $node->sql(
	q{SELECT round(avg((o.norm > t.norm)::int)::numeric, 2)
	FROM hack.embeddings o JOIN colour_set so ON so.id = o.id AND so.outlier,
		hack.embeddings t JOIN colour_set st ON st.id = t.id AND NOT st.outlier
	WHERE o.model = 'colour' AND t.model = 'colour'});
ok($auc > 0.9, "planted colour outliers rank atypical (AUC of the norm $auc > 0.9)");

# rows added later: hack_refresh and the trigger decode them as hack_embed does
$node->sql(
	"INSERT INTO colour_set (id, img, outlier) SELECT id, img, outlier FROM colour_new WHERE id <= 102;
	CALL hack_refresh('colour');");
is( $node->sql(
		q{SELECT count(*), max(hack_embed('colour', s.img) <-> e.embedding) < 1e-6
		FROM colour_set s JOIN hack.embeddings e ON e.id = s.id AND e.model = 'colour'
		WHERE s.id > 100}),
	'2|t', 'hack_refresh embeds new PNG/JPEG rows as hack_embed does');
$node->sql(
	"CREATE TRIGGER colour_embed AFTER INSERT OR UPDATE OR DELETE ON colour_set
		FOR EACH ROW EXECUTE FUNCTION hack_embed_trigger('colour');
	INSERT INTO colour_set (id, img, outlier) SELECT id, img, outlier FROM colour_new WHERE id > 102;");
is( $node->sql(
		q{SELECT count(*), max(hack_embed('colour', s.img) <-> e.embedding) < 1e-6
		FROM colour_set s JOIN hack.embeddings e ON e.id = s.id AND e.model = 'colour'
		WHERE s.id > 102}),
	'2|t', 'the trigger embeds new PNG/JPEG rows as hack_embed does');
($rc, $out, $err) = $node->try_sql("INSERT INTO colour_set (id, img) VALUES (200, '\\x89504e470d0a1a0a0000'::bytea)",
	extra => [ '-v', 'VERBOSITY=verbose' ]);
like($err, qr/22P03: image of row id 200: corrupt PNG image/, 'the trigger refuses a truncated PNG with 22P03 naming the row');

# a corrupt row: 22P03 naming its id, or skipped
$node->sql("DROP TRIGGER colour_embed ON colour_set;
	INSERT INTO colour_set (id, img, outlier) VALUES (77, '\\x89504e470d0a1a0a0000000d49484452'::bytea, false)");
($rc, $out, $err) = $node->try_sql(
	"CALL hack_train(model => 'colour2', source => 'colour_set', height => 32, width => 32,
		channels => 3, epochs => 1, seed => 1)",
	extra => [ '-v', 'VERBOSITY=verbose' ]);
like($err, qr/22P03: image of row id 77: corrupt PNG image/, 'a truncated PNG row fails training with 22P03 naming it');
$node->sql(
	"CALL hack_train(model => 'colour2', source => 'colour_set', height => 32, width => 32,
		channels => 3, epochs => 1, seed => 1, skip_invalid => true)");
is($node->sql("SELECT count(*) FROM hack.embeddings WHERE model = 'colour2' AND id = 77"),
	'0', 'skip_invalid leaves the corrupt row out');
is($node->sql("SELECT count(*) FROM hack.embeddings WHERE model = 'colour2'"),
	'52', 'and embeds the rest');

# hack_plot draws PNG/JPEG thumbnails in their own colours: a picture of
# one pure red and one pure blue half image shows both colours unchanged
my $two = "$dir/two_colour.hex";
run_log([ $python, '-c', "import io, PIL.Image as I; im = I.new('RGB', (32, 32), (200, 40, 40)); "
	  . "im.paste((40, 40, 200), (0, 0, 16, 32)); b = io.BytesIO(); im.save(b, 'PNG'); "
	  . "open('$two', 'w').write(b.getvalue().hex())" ]) or BAIL_OUT('two_colour.hex');
my $hex = slurp_file($two);
my $b64 = $node->sql("SELECT translate(encode(hack_plot(ARRAY['(0.1,0.1)'::poincare_point], NULL, ARRAY[decode('$hex', 'hex')],
	size => 200, height => 32, width => 32, channels => 3), 'base64'), E'\\n', '')");
open(my $fh, '>', "$dir/plot.b64") or die "plot.b64: $!";
print $fh $b64;
close($fh);
my $colours = `base64 -d '$dir/plot.b64' | $python -c "import sys, io, PIL.Image as I; im = I.open(io.BytesIO(sys.stdin.buffer.read())).convert('RGB'); px = set(im.getdata()); print(((200, 40, 40) in px), ((40, 40, 200) in px))"`;
chomp $colours;
is($colours, 'True True', 'hack_plot shows a PNG thumbnail in its own colours');

done_testing();
