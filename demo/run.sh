#!/usr/bin/env bash
# demo/run.sh: the main job, from a fresh machine to a curated dataset.
#
# Installs what is missing (as root), builds and installs hack, starts a
# local PostgreSQL 15 cluster (in ./demo/out/cluster, or /tmp/hack-demo when
# the postgres user cannot reach this directory), loads Fashion-MNIST from
# Debian's dataset-fashion-mnist with hack-load, trains HACK per class,
# prints the most typical and most atypical images of each class, writes a
# picture of the Poincaré disc of each class to demo/out/ and prints the
# SQL that selects the 10% most atypical rows of each class.  Re-running it
# skips what is already done.  The cluster keeps running; the last lines say
# how to connect and how to stop it.
#
# Knobs: HACK_DEMO_EPOCHS (default 80, about 10 minutes on 2 cores; the
# paper's quality is 200),
# HACK_DEMO_IMAGES (how many of the 60,000 training images to load; all by
# default), HACK_CLUSTER_DIR, HACK_DEMO_OUT (where the pictures go; default
# demo/out), HACK_DEMO_INSTALLED=1 (use the installed extension: no build,
# as test/t/011_demo.pl runs it).
set -euo pipefail
cd "$(dirname "$0")/.."
. test/lib/common.sh
. demo/lib.sh

EPOCHS=${HACK_DEMO_EPOCHS:-80}
IMAGES=${HACK_DEMO_IMAGES:-60000}
DATA=/usr/share/datasets/fashion-mnist
OUT=${HACK_DEMO_OUT:-$PWD/demo/out}
CLASSES=(T-shirt/top Trouser Pullover Dress Coat Sandal Shirt Sneaker Bag "Ankle boot")

hack_install_deps dataset-fashion-mnist
demo_cluster

# 1. load (skipped when the table already holds the images)
if [ "$(sql -At -c "SELECT count(*) FROM pg_tables WHERE tablename = 'fashion'")" = 1 ] &&
	[ "$(sql -At -c "SELECT count(*) FROM fashion")" = "$IMAGES" ]; then
	hack_log "fashion already holds $IMAGES images"
else
	hack_log "loading $IMAGES Fashion-MNIST images with hack-load"
	hack-load -t fashion --create --truncate --limit "$IMAGES" \
		"$DATA/train-images-idx3-ubyte.gz" "$DATA/train-labels-idx1-ubyte.gz"
fi

# 2. train one model per class (skipped when the stored model matches: its
#    last training's epochs, and each class group trained on all its rows)
trained=$(sql -At -c "SELECT count(*) FROM hack.models m JOIN hack.model_groups g USING (model)
	WHERE m.model = 'fashion_demo' AND m.params->>'epochs' = '$EPOCHS'
	AND g.n_rows = (SELECT count(*) FROM fashion f WHERE hack_group_key(f.label) = g.group_key)")
if [ "$trained" = 10 ]; then
	hack_log "model fashion_demo is up to date"
else
	hack_log "training HACK on each class: $EPOCHS epochs (a NOTICE per class; set HACK_DEMO_EPOCHS=200 for the paper's quality)"
	start=$(date +%s)
	sql -c "SET client_min_messages = notice" -c "SET hack.blas_threads = $(nproc)" \
		-c "CALL hack_train(model => 'fashion_demo', source => 'fashion', group_column => 'label', epochs => $EPOCHS, seed => 1)" 2>&1 |
		demo_train_filter "committed|epoch $EPOCHS/|ERROR|DETAIL"
	hack_log "trained in $(( $(date +%s) - start )) s"
fi

# 3. the most typical and most atypical images of each class
thumbs=0
[ -t 1 ] && thumbs=1
for c in $(seq 0 9); do
	echo
	echo "== class $c (${CLASSES[$c]})"
	for kind in typical atypical; do
		order=$([ $kind = typical ] && echo "norm, id" || echo "norm DESC, id")
		printf '%-9s ids: %s\n' "$kind" "$(sql -At -c "SELECT string_agg(id::text, ' ') FROM (SELECT id FROM hack.embeddings
			WHERE model = 'fashion_demo' AND group_key = '$c' ORDER BY $order LIMIT 10) s")"
		if [ "$thumbs" = 1 ]; then
			# 14 x 14 thumbnails in the terminal: each character shows two pixels (upper half block)
			sql -At -c "
			WITH picked AS (SELECT row_number() OVER (ORDER BY $order) AS k, f.img
				FROM hack.embeddings e JOIN fashion f USING (id)
				WHERE e.model = 'fashion_demo' AND e.group_key = '$c' ORDER BY $order LIMIT 10),
			line AS (SELECT y, string_agg(
				(SELECT string_agg(format(E'\\033[38;5;%sm\\033[48;5;%sm\u2580',
					232 + get_byte(img, (2 * y * 2) * 28 + 2 * x) * 23 / 255,
					232 + get_byte(img, ((2 * y + 1) * 2) * 28 + 2 * x) * 23 / 255), '' ORDER BY x)
					FROM generate_series(0, 13) x) || E'\\033[0m ', '' ORDER BY k) AS s
				FROM picked, generate_series(0, 6) y GROUP BY y)
			SELECT s FROM line ORDER BY y"
		fi
	done
done

# 4. pictures of each class: its disc (coloured by norm, with thumbnails) and
# its 8 most typical and 8 most atypical images with their norms (the
# paper's Fig. 9), both read straight from the model
for c in $(seq 0 9); do
	sql -At -c "SELECT encode(hack_plot('fashion_demo', '$c', size => 900, color_by => 'norm'), 'base64')" |
		base64 -d > "$OUT/disc_class_$c.png"
	sql -At -c "SELECT encode(hack_gallery('fashion_demo', '$c', n => 8), 'base64')" |
		base64 -d > "$OUT/gallery_class_$c.png"
done
echo
echo "Wrote a picture of the Poincaré disc of each class to $OUT/disc_class_0.png ... disc_class_9.png"
echo "and its 8 most typical and 8 most atypical images to $OUT/gallery_class_0.png ... gallery_class_9.png"

# 5. selecting training subsets
cat <<'EOT'

The 10% most atypical rows of each class:

  SELECT group_key AS label, id, norm FROM hack_select('fashion_demo', 0.10, 'atypical');

  -- or by hand:
  SELECT label, id, norm FROM (
    SELECT e.group_key AS label, e.id, e.norm,
           percent_rank() OVER (PARTITION BY e.group_key ORDER BY e.norm DESC) AS p
    FROM hack.embeddings e WHERE e.model = 'fashion_demo') s
  WHERE p < 0.10;
EOT
sql -c "SELECT group_key AS label, count(*) AS rows, round(min(norm)::numeric, 3) AS min_norm
	FROM hack_select('fashion_demo', 0.10, 'atypical') GROUP BY group_key ORDER BY group_key::int"
cat <<EOT
The cluster is running. Connect with:
  psql -h $PGHOST -p $PGPORT -U postgres
Stop it with:
  $( [ "$(id -u)" = 0 ] && printf 'runuser -u postgres -- ' )$HACK_PGBIN/pg_ctl -D $HACK_CLUSTER_DIR/data stop
EOT
