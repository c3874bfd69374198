#!/usr/bin/env bash
# demo/colour.sh: the colour demo, on real PNG files.
#
# Loads Debian's openclipart-png (8,121 clip-art PNGs in 22 category folders
# under /usr/share/openclipart/png) with `hack-load --dir`, as they are (the
# backend decodes the PNGs), trains HACK per category with the paper's
# colour encoder (resnet20 on 32 x 32 RGB, transparency on white), prints
# the most typical and most atypical files of each category and writes a
# colour picture of the Poincaré disc of each category to demo/out/.
# Re-running it skips what is already done.  It shares demo/run.sh's
# cluster (started here if it is not running) and leaves it running.
#
# Knobs: HACK_COLOUR_EPOCHS (default 15), HACK_COLOUR_IMAGES (how many files
# to load, in ImageFolder order; all by default), HACK_COLOUR_ARCH (resnet20),
# HACK_COLOUR_DIR (another tree of category folders of PNG files),
# HACK_CLUSTER_DIR, HACK_DEMO_OUT (default demo/out), HACK_DEMO_INSTALLED=1
# (use the installed extension: no build, as test/t/021_demo_colour.pl runs it).
set -euo pipefail
cd "$(dirname "$0")/.."
. test/lib/common.sh
. demo/lib.sh

EPOCHS=${HACK_COLOUR_EPOCHS:-15}
IMAGES=${HACK_COLOUR_IMAGES:-}
ARCH=${HACK_COLOUR_ARCH:-resnet20}
DATA=${HACK_COLOUR_DIR:-/usr/share/openclipart/png}
OUT=${HACK_DEMO_OUT:-$PWD/demo/out}

if [ -z "${HACK_COLOUR_DIR:-}" ]; then
	hack_install_deps openclipart-png
else
	hack_install_deps
fi
demo_cluster

# 1. load the files as they are (skipped when the table holds them already)
want=${IMAGES:-$(find -L "$DATA" -mindepth 2 -type f -iname '*.png' | wc -l)}
if [ "$(sql -At -c "SELECT count(*) FROM pg_tables WHERE tablename = 'clipart'")" = 1 ] &&
	[ "$(sql -At -c "SELECT count(*) FROM clipart")" = "$want" ]; then
	hack_log "clipart already holds $want files"
else
	hack_log "loading ${IMAGES:-all} PNG files of $DATA with hack-load --dir"
	hack-load -t clipart --create --truncate ${IMAGES:+--limit "$IMAGES"} --dir "$DATA"
fi

# 2. train one model per category, on the decoded 32 x 32 RGB pixels; a file
#    the decoder refuses (openclipart has a 16000 x 14464 PNG, above
#    hack.max_image_pixels) is skipped with a WARNING
trained=$(sql -At -c "SELECT count(*) FROM hack.models m JOIN hack.model_groups g USING (model)
	WHERE m.model = 'clipart_demo' AND m.params->>'epochs' = '$EPOCHS' AND m.architecture = '$ARCH'
	AND g.n_rows <= (SELECT count(*) FROM clipart c WHERE hack_group_key(c.label) = g.group_key)")
groups=$(sql -At -c "SELECT count(DISTINCT label) FROM clipart")
if [ "$trained" = "$groups" ]; then
	hack_log "model clipart_demo is up to date"
else
	hack_log "training HACK ($ARCH, 32 x 32 RGB) on each of $groups categories: $EPOCHS epochs"
	start=$(date +%s)
	sql -c "SET client_min_messages = notice" -c "SET hack.blas_threads = $(nproc)" \
		-c "CALL hack_train(model => 'clipart_demo', source => 'clipart', group_column => 'label',
			format => 'png', channels => 3, height => 32, width => 32, architecture => '$ARCH',
			epochs => $EPOCHS, seed => 1, skip_invalid => true)" 2>&1 |
		demo_train_filter "committed|epoch $EPOCHS/|skipp|ERROR|DETAIL"
	hack_log "trained in $(( $(date +%s) - start )) s"
fi

# 3. the most typical and most atypical files of each category
sql -At -F ' ' -c "SELECT group_key FROM hack.model_groups WHERE model = 'clipart_demo' ORDER BY 1" |
while read -r label; do
	echo
	echo "== $label"
	for kind in typical atypical; do
		order=$([ $kind = typical ] && echo "e.norm, e.id" || echo "e.norm DESC, e.id")
		printf '%-9s %s\n' "$kind" "$(sql -At -v label="$label" <<SQL
SELECT string_agg(c.file, ' ' ORDER BY k) FROM (
	SELECT row_number() OVER (ORDER BY $order) AS k, e.id FROM hack.embeddings e
	WHERE e.model = 'clipart_demo' AND e.group_key = :'label' ORDER BY $order LIMIT 5) s
JOIN clipart c USING (id)
SQL
)"
	done
	# 4. the disc of the category, coloured by norm, with colour thumbnails, and
	# its 8 most typical and 8 most atypical files with their norms
	sql -At -v label="$label" <<SQL | base64 -d > "$OUT/clipart_$label.png"
SELECT encode(hack_plot('clipart_demo', :'label', size => 900, color_by => 'norm'), 'base64')
SQL
	sql -At -v label="$label" <<SQL | base64 -d > "$OUT/clipart_gallery_$label.png"
SELECT encode(hack_gallery('clipart_demo', :'label', n => 8), 'base64')
SQL
done
echo
echo "Wrote a colour picture of the Poincaré disc of each category to $OUT/clipart_<category>.png"
echo "and its 8 most typical and 8 most atypical files to $OUT/clipart_gallery_<category>.png"
sql -c "SELECT group_key AS category, count(*) AS rows, round(min(norm)::numeric, 3) AS min_norm,
	round(max(norm)::numeric, 3) AS max_norm FROM hack.embeddings WHERE model = 'clipart_demo'
	GROUP BY group_key ORDER BY group_key"
