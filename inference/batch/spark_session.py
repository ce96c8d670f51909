"""The Spark session of the batch engine and reading Parquet that pandas wrote.

pandas writes timestamps as Parquet ``TIMESTAMP(NANOS)``, which Spark refuses
(``PARQUET_TYPE_ILLEGAL``) unless ``spark.sql.legacy.parquet.nanosAsLong`` reads them as
epoch nanoseconds; :func:`read_frame` turns those back into (microsecond) timestamps, the
precision the training join floors to as well.
"""

import shutil
import sys
from typing import TYPE_CHECKING

import pyarrow as pa

from core.errors import UserError
from core.settings import set_library_default
from inference.batch.source import BatchInput
from inference.settings import BatchSettings

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

RUNTIME_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.legacy.parquet.nanosAsLong": "true",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",  # read back as UTC, not INT96
    "spark.sql.parser.quotedRegexColumnNames": "false",  # Feast turns it on in a shared session
}


def spark_session(settings: BatchSettings) -> "SparkSession":
    """The active session if there is one (tests share one), else a new one from ``settings``.

    Executors run this interpreter (``spark.pyspark.python``), so the model's partition
    function finds the same LightGBM and pandas the driver has.
    """
    if shutil.which("java") is None:
        raise UserError(
            "the spark engine needs Java 17 or newer on PATH (Debian: apt-get install openjdk-17-jre-headless)"
        )
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise UserError(
            "the spark engine needs PySpark: install the `spark` dependency group (uv sync --group spark)"
        ) from error
    # PySpark starts its Python workers with PYSPARK_PYTHON (default: `python3` on PATH, which
    # lacks this environment's packages); `spark.pyspark.python` covers spark-submit.
    set_library_default("PYSPARK_PYTHON", sys.executable)
    session = SparkSession.getActiveSession()
    if session is None:
        builder = (
            SparkSession.builder.master(settings.spark_master)
            .appName("mlops-score-batch")
            .config("spark.pyspark.python", sys.executable)
            .config("spark.pyspark.driver.python", sys.executable)
            .config("spark.driver.memory", settings.spark_driver_memory)
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", str(settings.spark_shuffle_partitions))
        )
        session = builder.getOrCreate()
    for key, value in RUNTIME_CONF.items():
        session.conf.set(key, value)
    return session


def read_frame(session: "SparkSession", path: str, schema: pa.Schema, fmt: str) -> "DataFrame":
    """Read Parquet or CSV with every timestamp column as a Spark timestamp (UTC)."""
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    if fmt == "csv":
        return session.read.csv(path, header=True, schema=from_arrow_schema(schema, prefer_timestamp_ntz=False))
    frame = session.read.parquet(path)
    for field in schema:
        if pa.types.is_timestamp(field.type) and field.type.unit == "ns":
            # Integer division: a double cannot hold epoch nanoseconds exactly.
            frame = frame.withColumn(field.name, F.timestamp_micros(F.expr(f"`{field.name}` div 1000")))
    return frame


def read_input(session: "SparkSession", batch_input: BatchInput) -> "DataFrame":
    return read_frame(session, str(batch_input.path), batch_input.schema, batch_input.format)
