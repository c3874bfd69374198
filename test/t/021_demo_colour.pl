# test/t/021_demo_colour.pl: a CI-sized run of the colour demo
# (demo/colour.sh) on a small tree of generated colour PNGs in three
# category folders (HACK_COLOUR_DIR; the real demo reads Debian's
# openclipart-png), one epoch, in a cluster of its own; then a re-run,
# which must skip loading and training.  As 011_demo.pl, it runs the
# installed extension (HACK_DEMO_INSTALLED=1) and hack-load from PATH.
# Needs python3-pil.

use strict;
use warnings FATAL => 'all';

use HackTest;
use IPC::Run ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $python = hack_python();
plan skip_all => "python3-pil is not installed for $python"
  if system($python, '-c', 'import PIL.Image') != 0;

my $dir  = hack_tempdir();
my $data = "$dir/cluster/data";
my $tree = "$dir/tree";

# 3 categories of 24 colour PNGs of mixed sizes (some with transparency)
my $make = <<'PY';
import os, random, sys
from PIL import Image, ImageDraw
root = sys.argv[1]
rng = random.Random(7)
for cat, colour in (("apples", (200, 30, 30)), ("leaves", (30, 160, 40)), ("waves", (30, 60, 200))):
    os.makedirs(os.path.join(root, cat))
    for i in range(24):
        w, h = rng.randint(20, 90), rng.randint(20, 90)
        mode = "RGBA" if i % 3 == 0 else "RGB"
        im = Image.new(mode, (w, h), (255, 255, 255, 0) if mode == "RGBA" else (255, 255, 255))
        d = ImageDraw.Draw(im)
        c = tuple(max(0, min(255, v + rng.randint(-30, 30))) for v in colour)
        d.ellipse((w // 6, h // 6, w - w // 6, h - h // 6), fill=c + ((255,) if mode == "RGBA" else ()))
        im.save(os.path.join(root, cat, "%02d.png" % i))
PY
ok(IPC::Run::run([ $python, '-c', $make, $tree ]), 'the tree of colour PNGs is written');

local $ENV{HACK_DEMO_INSTALLED} = 1;
local $ENV{HACK_DEMO_OUT}       = "$dir/out";
local $ENV{HACK_CLUSTER_DIR}    = "$dir/cluster";
local $ENV{HACK_PORT}           = PostgreSQL::Test::Cluster::get_free_port();
local $ENV{HACK_COLOUR_DIR}     = $tree;
local $ENV{HACK_COLOUR_EPOCHS}  = 1;
delete local $ENV{HACK_CLUSTER_TEMP};

END
{
	system('/usr/lib/postgresql/15/bin/pg_ctl', '-D', $data, '-m', 'fast', '-w', 'stop')
	  if defined $data && -f "$data/postmaster.pid";
}

sub demo
{
	my $out = '';
	IPC::Run::run([ 'bash', hack_repo() . '/demo/colour.sh' ], '<', \'', '>&', \$out);
	return ($? >> 8, $out);
}

my ($rc, $out) = demo();
is($rc, 0, 'the colour demo exits 0') or diag(join "\n", (split /\n/, $out)[-20 .. -1]);
is(scalar(() = $out =~ /^== (?:apples|leaves|waves)$/mg), 3, 'it prints the 3 categories');
is(scalar(() = $out =~ /^(?:typical|atypical) +(?:[a-z]+\/[0-9]{2}\.png ?){5}$/mg),
	6, 'it prints 5 typical and 5 atypical files of each');
for my $cat (qw(apples leaves waves))
{
	my $png = "$dir/out/clipart_$cat.png";
	my $magic = -f $png ? substr(slurp_file($png), 0, 8) : '';
	is(unpack('H*', $magic), '89504e470d0a1a0a', "it writes a picture of $cat");
	$png = "$dir/out/clipart_gallery_$cat.png";
	$magic = -f $png ? substr(slurp_file($png), 0, 8) : '';
	is(unpack('H*', $magic), '89504e470d0a1a0a', "it writes a gallery of $cat");
}
# the pictures are in colour: the thumbnails of the red category show red
my $reds = `$python -c "import PIL.Image as I; im = I.open('$dir/out/clipart_apples.png').convert('RGB'); print(sum(1 for r, g, b in im.getdata() if r > 150 and g < 80 and b < 80))"`;
chomp $reds;
cmp_ok($reds, '>', 100, "the apples picture has red thumbnails ($reds red pixels)");
$reds = `$python -c "import PIL.Image as I; im = I.open('$dir/out/clipart_gallery_apples.png').convert('RGB'); print(sum(1 for r, g, b in im.getdata() if r > 150 and g < 80 and b < 80))"`;
chomp $reds;
cmp_ok($reds, '>', 1000, "the apples gallery has red cells ($reds red pixels)");

my ($rc2, $out2) = demo();
is($rc2, 0, 're-run exits 0');
like($out2, qr/clipart already holds 72 files/, 're-run skips loading');
like($out2, qr/is up to date/, 're-run skips training');

done_testing();
