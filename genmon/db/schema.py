"""The monitoring database's tables (SQLAlchemy 2 Core).

One row per real-world thing, following the entities a cross-border
programme keeps (DOMAIN notes §6.1): projects and labs with their allele
calibrations, panels and bin sets, field samples with collection time zone,
coordinate uncertainty, permit and chain of custody, extractions, PCR
replicates and their allele calls, species and sex calls, consensus
genotypes, individuals with cross-references, detections (recaptures) and
the runs that produced every derived row.

Rules the tables encode:

* Raw data are never deleted or overwritten.  A corrected re-import of a
  batch is a new ``batches`` row (``version`` + 1) whose predecessor gets
  ``superseded_by``; its replicates and allele calls stay.
* Every derived row (consensus genotypes, error rates, species and sex calls,
  detections, catalogue events) carries the ``run_id`` of the genmon run that
  made it; ``runs`` holds that run's provenance (version, parameters, input
  SHA-256).
* Missing alleles are SQL ``NULL``, never a number.

The tables are created and upgraded by the Alembic revisions in
``genmon/db/migrations/versions``; a test compares them with this module, so a
change here needs a new revision.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = ["metadata", "SCHEMA_TABLES"]

# Constraint names fixed up front, so that both engines and Alembic agree.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _id() -> Column:
    return Column("id", Integer, primary_key=True, autoincrement=True)


def _ref(table: str, name: str, nullable: bool = False, index: bool = True) -> Column:
    # index=False where a unique constraint starting with the column already indexes it
    return Column(name, Integer, ForeignKey(f"{table}.id"), nullable=nullable, index=index)


def _run_ref() -> Column:
    return Column("run_id", Integer, ForeignKey("runs.id"), nullable=False, index=True)


def _alleles() -> tuple[Column, Column]:
    return Column("allele_1", Integer), Column("allele_2", Integer)


projects = Table(
    "projects",
    metadata,
    _id(),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", Text),
    Column("country", String(2)),
    Column("agency", Text),
    Column("protected_area", Text),
    Column("season", Text),
    Column("protocol_version", Text),
    Column("data_sharing_agreement", Text),
    Column("created_at", String(32), nullable=False),
)

labs = Table(
    "labs",
    metadata,
    _id(),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", Text),
    Column("country", String(2)),
    Column("instrument", Text),
)

runs = Table(
    "runs",
    metadata,
    _id(),
    Column("kind", String(32), nullable=False),
    Column("command", Text),
    Column("genmon_version", String(32), nullable=False),
    Column("parameters", Text, nullable=False),
    Column("inputs", Text, nullable=False),
    Column("provenance", Text, nullable=False),
    Column("started_at", String(32), nullable=False),
)

calibrations = Table(
    "calibrations",
    metadata,
    _id(),
    _ref("labs", "lab_id"),
    Column("name", String(128), nullable=False),
    Column("version", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", Text, nullable=False),
    Column("reference_samples", Text),
    Column("created_at", String(32), nullable=False),
    UniqueConstraint("lab_id", "name", "version"),
)

panels = Table(
    "panels",
    metadata,
    _id(),
    Column("name", String(128), nullable=False),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("loci", Text, nullable=False),
    Column("ploidy", Integer, nullable=False),
    Column("created_at", String(32), nullable=False),
)

bin_sets = Table(
    "bin_sets",
    metadata,
    _id(),
    _ref("panels", "panel_id", nullable=True),
    Column("name", String(128), nullable=False),
    Column("version", String(64), nullable=False),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("content", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
)

batches = Table(
    "batches",
    metadata,
    _id(),
    _ref("projects", "project_id"),
    _ref("labs", "lab_id", nullable=True),
    _ref("panels", "panel_id"),
    _ref("calibrations", "calibration_id", nullable=True),
    Column("name", String(256), nullable=False),
    Column("version", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("source_file", Text, nullable=False),
    Column("sample_sheet_sha256", String(64)),
    Column("n_replicates", Integer, nullable=False),
    Column("n_calls", Integer, nullable=False),
    Column("superseded_by", Integer, ForeignKey("batches.id")),
    Column("imported_at", String(32), nullable=False),
    _run_ref(),
    UniqueConstraint("project_id", "name", "version"),
    UniqueConstraint("project_id", "sha256"),
)

samples = Table(
    "samples",
    metadata,
    _id(),
    Column("sample_id", String(128), nullable=False, unique=True),
    _ref("projects", "project_id"),
    Column("sample_type", String(16)),
    Column("collected", String(32)),
    Column("timezone", String(64)),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("coordinate_uncertainty_m", Float),
    Column("x", Float),
    Column("y", Float),
    Column("collector", Text),
    Column("site", Text),
    Column("country", String(2)),
    Column("population", Text),
    Column("occasion", Text),
    Column("field_sex", String(1)),
    Column("permit", Text),
    Column("chain_of_custody", Text),
    Column("extra", Text),
    Column("first_batch_id", Integer, ForeignKey("batches.id")),
)

extractions = Table(
    "extractions",
    metadata,
    _id(),
    Column("extraction_id", String(160), nullable=False, unique=True),
    _ref("samples", "sample_pk"),
    _ref("labs", "lab_id", nullable=True),
    Column("first_batch_id", Integer, ForeignKey("batches.id")),
)

pcr_replicates = Table(
    "pcr_replicates",
    metadata,
    _id(),
    _ref("batches", "batch_id", index=False),
    _ref("extractions", "extraction_pk"),
    Column("replicate", String(128), nullable=False),
    Column("line", Integer),
    UniqueConstraint("batch_id", "extraction_pk", "replicate"),
)

allele_calls = Table(
    "allele_calls",
    metadata,
    _id(),
    _ref("pcr_replicates", "replicate_pk", index=False),
    Column("locus", String(64), nullable=False),
    *_alleles(),
    UniqueConstraint("replicate_pk", "locus"),
)

consensus_genotypes = Table(
    "consensus_genotypes",
    metadata,
    _id(),
    _run_ref(),
    _ref("batches", "batch_id"),
    _ref("samples", "sample_pk"),
    Column("locus", String(64), nullable=False),
    *_alleles(),
    Column("status", String(16), nullable=False),
    Column("n_replicates", Integer, nullable=False),
    Column("quality", Float),
    Column("rule", String(32), nullable=False),
    Column("rule_version", String(32), nullable=False),
    UniqueConstraint("run_id", "sample_pk", "locus"),
)

sample_quality = Table(
    "sample_quality",
    metadata,
    _id(),
    _run_ref(),
    _ref("samples", "sample_pk"),
    Column("quality_index", Float),
    Column("loci_typed", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", Text),
    UniqueConstraint("run_id", "sample_pk"),
)

error_rates = Table(
    "error_rates",
    metadata,
    _id(),
    _run_ref(),
    _ref("batches", "batch_id"),
    Column("locus", String(64), nullable=False),
    Column("method", String(32), nullable=False),
    Column("n_replicates", Integer),
    Column("ado_rate", Float),
    Column("fa_rate", Float),
    Column("ado_ci_low", Float),
    Column("ado_ci_high", Float),
    Column("fa_ci_low", Float),
    Column("fa_ci_high", Float),
)

species_calls = Table(
    "species_calls",
    metadata,
    _id(),
    _run_ref(),
    _ref("samples", "sample_pk"),
    Column("species", Text, nullable=False),
    Column("identity", Float),
    Column("margin", Float),
    Column("reference", Text),
    Column("status", String(16)),
)

sex_calls = Table(
    "sex_calls",
    metadata,
    _id(),
    _run_ref(),
    _ref("samples", "sample_pk"),
    Column("sex", String(8), nullable=False),
    Column("evidence", Text),
)

catalogues = Table(
    "catalogues",
    metadata,
    _id(),
    Column("name", String(64), nullable=False, unique=True),
    Column("species", Text),
    Column("id_pattern", String(128), nullable=False),
    Column("next_number", Integer, nullable=False),
    Column("loci", Text, nullable=False),
    Column("kinds", Text, nullable=False),
    Column("ploidy", Integer, nullable=False),
    Column("calibration", Text),
    Column("history", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("updated_run_id", Integer, ForeignKey("runs.id")),
)

individuals = Table(
    "individuals",
    metadata,
    _id(),
    _ref("catalogues", "catalogue_id"),
    Column("individual_id", String(128), nullable=False),
    Column("status", String(16), nullable=False),
    Column("merged_into", String(128)),
    Column("n_samples", Integer, nullable=False),
    Column("first_seen", String(32)),
    Column("last_seen", String(32)),
    Column("sex", String(8)),
    Column("species", Text),
    Column("created_run_id", Integer, ForeignKey("runs.id")),
    Column("updated_run_id", Integer, ForeignKey("runs.id")),
    UniqueConstraint("catalogue_id", "individual_id"),
)

individual_genotypes = Table(
    "individual_genotypes",
    metadata,
    _id(),
    _ref("individuals", "individual_pk", index=False),
    Column("locus", String(64), nullable=False),
    *_alleles(),
    UniqueConstraint("individual_pk", "locus"),
)

individual_xrefs = Table(
    "individual_xrefs",
    metadata,
    _id(),
    _ref("individuals", "individual_pk"),
    Column("scheme", String(64), nullable=False),
    Column("value", String(128), nullable=False),
    Column("source", Text),
    UniqueConstraint("scheme", "value"),
)

detections = Table(
    "detections",
    metadata,
    _id(),
    _ref("catalogues", "catalogue_id"),
    _run_ref(),
    Column("sample_id", String(128), nullable=False),
    Column("individual_id", String(128), nullable=False),
    Column("batch", Text),
    Column("date", String(32)),
    Column("status", String(16), nullable=False),
    Column("genotype", Text, nullable=False),
    Index("ix_detections_catalogue_sample", "catalogue_id", "sample_id"),
)

catalogue_events = Table(
    "catalogue_events",
    metadata,
    _id(),
    _ref("catalogues", "catalogue_id"),
    _run_ref(),
    Column("time", String(32), nullable=False),
    Column("batch", Text),
    Column("event", String(32), nullable=False),
    Column("individual", String(128)),
    Column("other", String(128)),
    Column("sample", String(128)),
    Column("details", Text),
)

#: Every table, parents before children (the order backups are written in).
SCHEMA_TABLES = tuple(metadata.sorted_tables)
