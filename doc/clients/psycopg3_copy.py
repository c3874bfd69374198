# psycopg 3: COPY images in, train, COPY embeddings out as numpy (doc/clients.md)
import numpy as np
import psycopg
from psycopg import sql

from poincare_psycopg import register_poincare
from train_images import images

# autocommit: outside a transaction block hack_train commits after each group
with psycopg.connect(autocommit=True) as conn:
    register_poincare(conn)
    conn.execute("DROP TABLE IF EXISTS copy_imgs")
    conn.execute("CREATE TABLE copy_imgs (id bigint PRIMARY KEY, label int, img bytea)")
    with conn.cursor() as cur:
        # binary COPY: the image bytes go as they are, no escaping
        with cur.copy("COPY copy_imgs (id, label, img) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["bigint", "integer", "bytea"])
            for row in images(64):  # (id, label, 784 bytes of pixels)
                copy.write_row(row)
    print("images copied in:", conn.execute("SELECT count(*) FROM copy_imgs").fetchone()[0])

    conn.execute("CALL hack_train(model => 'copy_demo', source => 'copy_imgs', group_column => 'label',"
                 " format => 'u8', epochs => 2, pack_epochs => 50, seed => 1)")

    # binary COPY out: poincare_point arrives through the binary loader
    query = sql.SQL("COPY (SELECT id, embedding, norm FROM hack.embeddings WHERE model = {} ORDER BY id)"
                    " TO STDOUT (FORMAT BINARY)").format(sql.Literal("copy_demo"))
    emb, norms = [], []
    with conn.cursor() as cur:
        with cur.copy(query) as copy:
            copy.set_types(["bigint", "poincare_point", "float8"])
            for _id, e, n in copy.rows():
                emb.append(e)
                norms.append(n)
    emb = np.stack(emb)
    print("embeddings copied out:", emb.shape, emb.dtype)
    # the norm column is the hyperbolic norm, 2 artanh |x|
    print("norm = 2 artanh |x|:", np.allclose(norms, 2 * np.arctanh(np.linalg.norm(emb, axis=1)), rtol=1e-12))
    conn.execute("SELECT hack_drop_model('copy_demo')")
    conn.execute("DROP TABLE copy_imgs")
