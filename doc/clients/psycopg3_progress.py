# psycopg 3: the progress NOTICEs of CALL hack_train, live (doc/clients.md)
import time

import psycopg

from train_images import images

with psycopg.connect(autocommit=True) as conn, psycopg.connect(autocommit=True) as other:
    conn.execute("DROP TABLE IF EXISTS progress_imgs")
    conn.execute("CREATE TABLE progress_imgs (id bigint PRIMARY KEY, label int, img bytea)")
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO progress_imgs VALUES (%s, %s, %s)", list(images(400)))

    start = time.monotonic()
    lines = []

    def on_notice(diag):
        # runs as each NOTICE arrives, while the CALL still runs: another
        # session sees the job in hack.training_progress at that moment
        if " epoch " in diag.message_primary:
            row = other.execute("SELECT format('group %s epoch %s', \"group\", epoch) FROM hack.training_progress"
                                " WHERE model = 'progress_demo'").fetchone()
            seen = row[0] if row else "no job"
            lines.append(f"{time.monotonic() - start:6.2f} s  view: {seen:<15}  {diag.message_primary}")

    conn.add_notice_handler(on_notice)
    conn.execute("SET client_min_messages = notice")  # the default; a role or database may set it higher
    conn.execute("CALL hack_train(model => 'progress_demo', source => 'progress_imgs', group_column => 'label',"
                 " format => 'u8', epochs => 8, pack_epochs => 50, seed => 1)")
    print("\n".join(lines))
    print(f"{time.monotonic() - start:6.2f} s  CALL returned")
    conn.execute("SELECT hack_drop_model('progress_demo')")
    conn.execute("DROP TABLE progress_imgs")
