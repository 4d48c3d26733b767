"""Near-duplicate clusters at write time: syndicated copies join the cluster of the first copy.

Signatures and their LSH band keys are stored beside the documents (migration 002); a new
document is compared only with the stored documents that share a band key with it.
"""

from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pyarrow as pa

from mediamon.corpus import neardup
from mediamon.corpus.arrow import column, view

if TYPE_CHECKING:
    from mediamon.corpus.store import DocumentRecord


def assign_clusters(
    con: duckdb.DuckDBPyConnection, records: list["DocumentRecord"], rows: list[dict[str, Any]]
) -> None:
    """Give each new near-duplicate the cluster of the stored (or earlier) copy it matches."""
    keyed = [
        (rec, row, neardup.band_keys(rec.minhash))
        for rec, row in zip(records, rows, strict=True)
        if rec.minhash is not None
    ]
    if not keyed:
        return
    all_keys = sorted({k for _, _, keys in keyed for k in keys})
    index: dict[int, list[tuple[str, np.ndarray, str]]] = {}
    with view(con, "mm_keys", column("band_key", all_keys, pa.uint64())):
        found = con.execute(
            "SELECT b.band_key, b.doc_id, m.signature, coalesce(d.cluster_id, d.doc_id) "
            "FROM doc_bands b SEMI JOIN mm_keys USING (band_key) "
            "JOIN doc_minhash m USING (doc_id) JOIN documents d USING (doc_id)"
        ).fetchall()
    for key, doc_id, blob, cluster in found:
        index.setdefault(int(key), []).append((doc_id, neardup.from_blob(blob), cluster))
    for rec, row, keys in keyed:
        sig = rec.minhash
        assert sig is not None
        best, best_cluster = 0.0, None
        for key in keys:
            for _doc_id, other, cluster in index.get(key, ()):
                score = neardup.similarity(sig, other)
                if score > best:
                    best, best_cluster = score, cluster
        if best_cluster is not None and best >= neardup.THRESHOLD:
            row["cluster_id"] = best_cluster
        for key in keys:
            index.setdefault(key, []).append((rec.doc_id, sig, row["cluster_id"]))


def store_signatures(con: duckdb.DuckDBPyConnection, records: list["DocumentRecord"]) -> None:
    with_sig = [r for r in records if r.minhash is not None]
    ids = [r.doc_id for r in records]
    if not ids:
        return
    with view(con, "mm_ids", column("doc_id", ids)):
        con.execute("DELETE FROM doc_bands WHERE doc_id IN (SELECT doc_id FROM mm_ids)")
        con.execute("DELETE FROM doc_minhash WHERE doc_id IN (SELECT doc_id FROM mm_ids)")
    if not with_sig:
        return
    sigs = pa.table(
        {
            "doc_id": [r.doc_id for r in with_sig],
            "signature": pa.array(
                [neardup.to_blob(r.minhash) for r in with_sig if r.minhash is not None],
                pa.binary(),
            ),
        }
    )
    bands = pa.table(
        {
            "band_key": pa.array(
                [
                    k
                    for r in with_sig
                    if r.minhash is not None
                    for k in neardup.band_keys(r.minhash)
                ],
                pa.uint64(),
            ),
            "doc_id": [r.doc_id for r in with_sig for _ in range(neardup.BANDS)],
        }
    )
    with view(con, "mm_sigs", sigs), view(con, "mm_bands", bands):
        con.execute("INSERT INTO doc_minhash SELECT doc_id, signature FROM mm_sigs")
        con.execute("INSERT INTO doc_bands SELECT band_key, doc_id FROM mm_bands")
