"""A date-partitioned output holds exactly the rows and scores of a single-file run, and the joins leak nothing."""

import json
import re
from pathlib import Path

import ibis
import pandas as pd
import pyarrow.dataset as ds
import pytest

from inference.batch.ibis_tables import catalog_names
from tests.inference.batch_inputs import score, transactions_with_extras
from training.run import TrainingOutcome
from upstream.generate import GeneratedData

pytestmark = pytest.mark.integration


def test_a_date_partitioned_output_reads_back_as_the_single_file_output(
    tmp_path: Path, generated_data: GeneratedData, trained_model: TrainingOutcome
) -> None:
    frame = transactions_with_extras(generated_data)
    frame.to_parquet(tmp_path / "in.parquet", index=False)
    version = trained_model.registered.version
    common = ("--input", tmp_path / "in.parquet", "--model-version", version, "--chunk-rows", "3000", "--json")
    single = score(*common, "--output", tmp_path / "single.parquet", "--single-file")
    before = catalog_names(ibis.get_backend().con)
    parted = score(*common, "--output", tmp_path / "parted", "--partition-by-date")
    assert single.exit_code == 0 and parted.exit_code == 0, single.output + parted.output
    leaked = {name for name in catalog_names(ibis.get_backend().con) - before if name.startswith("ibis_")}
    assert not leaked  # every chunk's entity memtable and source view were released

    out = tmp_path / "parted"
    folders = sorted(p.name for p in out.iterdir())
    assert all(re.fullmatch(r"event_date=\d{4}-\d{2}-\d{2}", name) for name in folders), folders
    assert len(folders) > 5 and all(list(p.glob("part-*.parquet")) for p in out.iterdir())
    assert not (tmp_path / ".parted.partial").exists()

    expected = pd.read_parquet(tmp_path / "single.parquet")
    read_back = ds.dataset(out, format="parquet", partitioning="hive").to_table().to_pandas()
    dates = read_back.pop("event_date")
    times = pd.to_datetime(read_back["event_timestamp"], utc=True)
    assert (dates.astype(str) == times.dt.strftime("%Y-%m-%d")).all()  # each row sits under its UTC date
    for _, txn_ids in read_back.groupby(dates)["txn_id"]:
        assert txn_ids.is_monotonic_increasing  # input order kept within a date
    restored = read_back.sort_values("txn_id", ignore_index=True)
    assert len(restored) == len(expected) == len(frame) > 3000 * 2
    pd.testing.assert_frame_equal(restored, expected, check_exact=True)
    assert json.loads(parted.stdout)["statuses"] == json.loads(single.stdout)["statuses"]
