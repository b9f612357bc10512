"""DP count, sum, mean and histogram with Tumult Analytics (on a local Spark), against the true answers.

Each row is one person (AddOneRow); each query is evaluated with the full epsilon, Laplace noise
(pure DP). Tumult draws noise from its own secure generator: it cannot be seeded.
"""

import logging
import os
import sys

import pandas as pd
from pyspark.sql import SparkSession
from tmlt.analytics import AddOneRow, KeySet, PureDPBudget, QueryBuilder, Session

from evalkit import EPSILONS, aggregates_data, emit, measured, seeds

logging.getLogger("py4j").setLevel(logging.ERROR)
os.environ["PYSPARK_PYTHON"] = os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable  # Spark's workers: this venv
spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
spark.sparkContext.setLogLevel("ERROR")
values, groups = aggregates_data()
frame = spark.createDataFrame(pd.DataFrame({"value": values, "group": groups}))
true = {"count": len(values), "sum": sum(values), "mean": sum(values) / len(values)}
true_histogram = [groups.count(g) for g in range(8)]
queries = {
    "count": QueryBuilder("data").count(),
    "sum": QueryBuilder("data").sum("value", low=0.0, high=100.0),
    "mean": QueryBuilder("data").average("value", low=0.0, high=100.0),
    "histogram": QueryBuilder("data").groupby(KeySet.from_dict({"group": list(range(8))})).count(),
}

for epsilon in EPSILONS:
    errors, times = {q: [] for q in queries}, {q: [] for q in queries}
    for _ in seeds():
        session = Session.from_dataframe(
            privacy_budget=PureDPBudget(4 * epsilon), source_id="data", dataframe=frame, protected_change=AddOneRow()
        )
        for query, built in queries.items():
            with measured() as run:
                answer = session.evaluate(built, PureDPBudget(epsilon)).toPandas()
            if query == "histogram":
                counts = dict(zip(answer["group"], answer["count"]))
                errors[query].append(sum(abs(counts[g] - true_histogram[g]) for g in range(8)))
            else:
                errors[query].append(abs(float(answer.iloc[0, 0]) - true[query]))
            times[query].append(run.seconds)
    for query in errors:
        emit("abs_error", errors[query], query=query, epsilon=epsilon)
        emit("seconds", times[query], query=query, epsilon=epsilon)
