"""Initial schema: every table of genmon.db.schema at schema revision 1.

Revision ID: 0001
Revises: (none)
Create Date: 2026-12-02 06:05:00.558022
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "labs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("instrument", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labs")),
        sa.UniqueConstraint("code", name=op.f("uq_labs_code")),
    )
    op.create_table(
        "panels",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("loci", sa.Text(), nullable=False),
        sa.Column("ploidy", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panels")),
        sa.UniqueConstraint("sha256", name=op.f("uq_panels_sha256")),
    )
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("agency", sa.Text(), nullable=True),
        sa.Column("protected_area", sa.Text(), nullable=True),
        sa.Column("season", sa.Text(), nullable=True),
        sa.Column("protocol_version", sa.Text(), nullable=True),
        sa.Column("data_sharing_agreement", sa.Text(), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("code", name=op.f("uq_projects_code")),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("command", sa.Text(), nullable=True),
        sa.Column("genmon_version", sa.String(length=32), nullable=False),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("inputs", sa.Text(), nullable=False),
        sa.Column("provenance", sa.Text(), nullable=False),
        sa.Column("started_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    op.create_table(
        "bin_sets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["panel_id"], ["panels.id"], name=op.f("fk_bin_sets_panel_id_panels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bin_sets")),
        sa.UniqueConstraint("sha256", name=op.f("uq_bin_sets_sha256")),
    )
    with op.batch_alter_table("bin_sets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bin_sets_panel_id"), ["panel_id"], unique=False)

    op.create_table(
        "calibrations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lab_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("reference_samples", sa.Text(), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["lab_id"], ["labs.id"], name=op.f("fk_calibrations_lab_id_labs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibrations")),
        sa.UniqueConstraint(
            "lab_id", "name", "version", name=op.f("uq_calibrations_lab_id_name_version")
        ),
    )
    with op.batch_alter_table("calibrations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calibrations_lab_id"), ["lab_id"], unique=False)

    op.create_table(
        "catalogues",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("species", sa.Text(), nullable=True),
        sa.Column("id_pattern", sa.String(length=128), nullable=False),
        sa.Column("next_number", sa.Integer(), nullable=False),
        sa.Column("loci", sa.Text(), nullable=False),
        sa.Column("kinds", sa.Text(), nullable=False),
        sa.Column("ploidy", sa.Integer(), nullable=False),
        sa.Column("calibration", sa.Text(), nullable=True),
        sa.Column("history", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_run_id"], ["runs.id"], name=op.f("fk_catalogues_updated_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogues")),
        sa.UniqueConstraint("name", name=op.f("uq_catalogues_name")),
    )
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("lab_id", sa.Integer(), nullable=True),
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("calibration_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("sample_sheet_sha256", sa.String(length=64), nullable=True),
        sa.Column("n_replicates", sa.Integer(), nullable=False),
        sa.Column("n_calls", sa.Integer(), nullable=False),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.String(length=32), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["calibration_id"],
            ["calibrations.id"],
            name=op.f("fk_batches_calibration_id_calibrations"),
        ),
        sa.ForeignKeyConstraint(["lab_id"], ["labs.id"], name=op.f("fk_batches_lab_id_labs")),
        sa.ForeignKeyConstraint(
            ["panel_id"], ["panels.id"], name=op.f("fk_batches_panel_id_panels")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_batches_project_id_projects")
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_batches_run_id_runs")),
        sa.ForeignKeyConstraint(
            ["superseded_by"], ["batches.id"], name=op.f("fk_batches_superseded_by_batches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
        sa.UniqueConstraint(
            "project_id", "name", "version", name=op.f("uq_batches_project_id_name_version")
        ),
        sa.UniqueConstraint("project_id", "sha256", name=op.f("uq_batches_project_id_sha256")),
    )
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_batches_calibration_id"), ["calibration_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_batches_lab_id"), ["lab_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_batches_panel_id"), ["panel_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_batches_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_batches_run_id"), ["run_id"], unique=False)

    op.create_table(
        "catalogue_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("catalogue_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("time", sa.String(length=32), nullable=False),
        sa.Column("batch", sa.Text(), nullable=True),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("individual", sa.String(length=128), nullable=True),
        sa.Column("other", sa.String(length=128), nullable=True),
        sa.Column("sample", sa.String(length=128), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["catalogue_id"],
            ["catalogues.id"],
            name=op.f("fk_catalogue_events_catalogue_id_catalogues"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_catalogue_events_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_events")),
    )
    with op.batch_alter_table("catalogue_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalogue_events_catalogue_id"), ["catalogue_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_catalogue_events_run_id"), ["run_id"], unique=False)

    op.create_table(
        "detections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("catalogue_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.String(length=128), nullable=False),
        sa.Column("individual_id", sa.String(length=128), nullable=False),
        sa.Column("batch", sa.Text(), nullable=True),
        sa.Column("date", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("genotype", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["catalogue_id"], ["catalogues.id"], name=op.f("fk_detections_catalogue_id_catalogues")
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_detections_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detections")),
    )
    with op.batch_alter_table("detections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_detections_catalogue_id"), ["catalogue_id"], unique=False
        )
        batch_op.create_index(
            "ix_detections_catalogue_sample", ["catalogue_id", "sample_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_detections_run_id"), ["run_id"], unique=False)

    op.create_table(
        "individuals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("catalogue_id", sa.Integer(), nullable=False),
        sa.Column("individual_id", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("merged_into", sa.String(length=128), nullable=True),
        sa.Column("n_samples", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.String(length=32), nullable=True),
        sa.Column("last_seen", sa.String(length=32), nullable=True),
        sa.Column("sex", sa.String(length=8), nullable=True),
        sa.Column("species", sa.Text(), nullable=True),
        sa.Column("created_run_id", sa.Integer(), nullable=True),
        sa.Column("updated_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["catalogue_id"], ["catalogues.id"], name=op.f("fk_individuals_catalogue_id_catalogues")
        ),
        sa.ForeignKeyConstraint(
            ["created_run_id"], ["runs.id"], name=op.f("fk_individuals_created_run_id_runs")
        ),
        sa.ForeignKeyConstraint(
            ["updated_run_id"], ["runs.id"], name=op.f("fk_individuals_updated_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_individuals")),
        sa.UniqueConstraint(
            "catalogue_id", "individual_id", name=op.f("uq_individuals_catalogue_id_individual_id")
        ),
    )
    with op.batch_alter_table("individuals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_individuals_catalogue_id"), ["catalogue_id"], unique=False
        )

    op.create_table(
        "error_rates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("locus", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("n_replicates", sa.Integer(), nullable=True),
        sa.Column("ado_rate", sa.Float(), nullable=True),
        sa.Column("fa_rate", sa.Float(), nullable=True),
        sa.Column("ado_ci_low", sa.Float(), nullable=True),
        sa.Column("ado_ci_high", sa.Float(), nullable=True),
        sa.Column("fa_ci_low", sa.Float(), nullable=True),
        sa.Column("fa_ci_high", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_error_rates_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_error_rates_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_error_rates")),
    )
    with op.batch_alter_table("error_rates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_error_rates_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_error_rates_run_id"), ["run_id"], unique=False)

    op.create_table(
        "individual_genotypes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("individual_pk", sa.Integer(), nullable=False),
        sa.Column("locus", sa.String(length=64), nullable=False),
        sa.Column("allele_1", sa.Integer(), nullable=True),
        sa.Column("allele_2", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["individual_pk"],
            ["individuals.id"],
            name=op.f("fk_individual_genotypes_individual_pk_individuals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_individual_genotypes")),
        sa.UniqueConstraint(
            "individual_pk", "locus", name=op.f("uq_individual_genotypes_individual_pk_locus")
        ),
    )
    op.create_table(
        "individual_xrefs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("individual_pk", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["individual_pk"],
            ["individuals.id"],
            name=op.f("fk_individual_xrefs_individual_pk_individuals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_individual_xrefs")),
        sa.UniqueConstraint("scheme", "value", name=op.f("uq_individual_xrefs_scheme_value")),
    )
    with op.batch_alter_table("individual_xrefs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_individual_xrefs_individual_pk"), ["individual_pk"], unique=False
        )

    op.create_table(
        "samples",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sample_id", sa.String(length=128), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("sample_type", sa.String(length=16), nullable=True),
        sa.Column("collected", sa.String(length=32), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("coordinate_uncertainty_m", sa.Float(), nullable=True),
        sa.Column("x", sa.Float(), nullable=True),
        sa.Column("y", sa.Float(), nullable=True),
        sa.Column("collector", sa.Text(), nullable=True),
        sa.Column("site", sa.Text(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("population", sa.Text(), nullable=True),
        sa.Column("occasion", sa.Text(), nullable=True),
        sa.Column("field_sex", sa.String(length=1), nullable=True),
        sa.Column("permit", sa.Text(), nullable=True),
        sa.Column("chain_of_custody", sa.Text(), nullable=True),
        sa.Column("extra", sa.Text(), nullable=True),
        sa.Column("first_batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["first_batch_id"], ["batches.id"], name=op.f("fk_samples_first_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_samples_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_samples")),
        sa.UniqueConstraint("sample_id", name=op.f("uq_samples_sample_id")),
    )
    with op.batch_alter_table("samples", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_samples_project_id"), ["project_id"], unique=False)

    op.create_table(
        "consensus_genotypes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("sample_pk", sa.Integer(), nullable=False),
        sa.Column("locus", sa.String(length=64), nullable=False),
        sa.Column("allele_1", sa.Integer(), nullable=True),
        sa.Column("allele_2", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("n_replicates", sa.Integer(), nullable=False),
        sa.Column("quality", sa.Float(), nullable=True),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("rule_version", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_consensus_genotypes_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_consensus_genotypes_run_id_runs")
        ),
        sa.ForeignKeyConstraint(
            ["sample_pk"], ["samples.id"], name=op.f("fk_consensus_genotypes_sample_pk_samples")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consensus_genotypes")),
        sa.UniqueConstraint(
            "run_id",
            "sample_pk",
            "locus",
            name=op.f("uq_consensus_genotypes_run_id_sample_pk_locus"),
        ),
    )
    with op.batch_alter_table("consensus_genotypes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consensus_genotypes_batch_id"), ["batch_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_consensus_genotypes_run_id"), ["run_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_consensus_genotypes_sample_pk"), ["sample_pk"], unique=False
        )

    op.create_table(
        "extractions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("extraction_id", sa.String(length=160), nullable=False),
        sa.Column("sample_pk", sa.Integer(), nullable=False),
        sa.Column("lab_id", sa.Integer(), nullable=True),
        sa.Column("first_batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["first_batch_id"], ["batches.id"], name=op.f("fk_extractions_first_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(["lab_id"], ["labs.id"], name=op.f("fk_extractions_lab_id_labs")),
        sa.ForeignKeyConstraint(
            ["sample_pk"], ["samples.id"], name=op.f("fk_extractions_sample_pk_samples")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extractions")),
        sa.UniqueConstraint("extraction_id", name=op.f("uq_extractions_extraction_id")),
    )
    with op.batch_alter_table("extractions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_extractions_lab_id"), ["lab_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_extractions_sample_pk"), ["sample_pk"], unique=False)

    op.create_table(
        "sample_quality",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("sample_pk", sa.Integer(), nullable=False),
        sa.Column("quality_index", sa.Float(), nullable=True),
        sa.Column("loci_typed", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_sample_quality_run_id_runs")
        ),
        sa.ForeignKeyConstraint(
            ["sample_pk"], ["samples.id"], name=op.f("fk_sample_quality_sample_pk_samples")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sample_quality")),
        sa.UniqueConstraint("run_id", "sample_pk", name=op.f("uq_sample_quality_run_id_sample_pk")),
    )
    with op.batch_alter_table("sample_quality", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sample_quality_run_id"), ["run_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sample_quality_sample_pk"), ["sample_pk"], unique=False
        )

    op.create_table(
        "sex_calls",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("sample_pk", sa.Integer(), nullable=False),
        sa.Column("sex", sa.String(length=8), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_sex_calls_run_id_runs")),
        sa.ForeignKeyConstraint(
            ["sample_pk"], ["samples.id"], name=op.f("fk_sex_calls_sample_pk_samples")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sex_calls")),
    )
    with op.batch_alter_table("sex_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sex_calls_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sex_calls_sample_pk"), ["sample_pk"], unique=False)

    op.create_table(
        "species_calls",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("sample_pk", sa.Integer(), nullable=False),
        sa.Column("species", sa.Text(), nullable=False),
        sa.Column("identity", sa.Float(), nullable=True),
        sa.Column("margin", sa.Float(), nullable=True),
        sa.Column("reference", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_species_calls_run_id_runs")),
        sa.ForeignKeyConstraint(
            ["sample_pk"], ["samples.id"], name=op.f("fk_species_calls_sample_pk_samples")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_species_calls")),
    )
    with op.batch_alter_table("species_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_species_calls_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_species_calls_sample_pk"), ["sample_pk"], unique=False)

    op.create_table(
        "pcr_replicates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("extraction_pk", sa.Integer(), nullable=False),
        sa.Column("replicate", sa.String(length=128), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_pcr_replicates_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["extraction_pk"],
            ["extractions.id"],
            name=op.f("fk_pcr_replicates_extraction_pk_extractions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pcr_replicates")),
        sa.UniqueConstraint(
            "batch_id",
            "extraction_pk",
            "replicate",
            name=op.f("uq_pcr_replicates_batch_id_extraction_pk_replicate"),
        ),
    )
    with op.batch_alter_table("pcr_replicates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pcr_replicates_extraction_pk"), ["extraction_pk"], unique=False
        )

    op.create_table(
        "allele_calls",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("replicate_pk", sa.Integer(), nullable=False),
        sa.Column("locus", sa.String(length=64), nullable=False),
        sa.Column("allele_1", sa.Integer(), nullable=True),
        sa.Column("allele_2", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["replicate_pk"],
            ["pcr_replicates.id"],
            name=op.f("fk_allele_calls_replicate_pk_pcr_replicates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allele_calls")),
        sa.UniqueConstraint(
            "replicate_pk", "locus", name=op.f("uq_allele_calls_replicate_pk_locus")
        ),
    )


def downgrade() -> None:
    op.drop_table("allele_calls")
    with op.batch_alter_table("pcr_replicates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pcr_replicates_extraction_pk"))

    op.drop_table("pcr_replicates")
    with op.batch_alter_table("species_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_species_calls_sample_pk"))
        batch_op.drop_index(batch_op.f("ix_species_calls_run_id"))

    op.drop_table("species_calls")
    with op.batch_alter_table("sex_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sex_calls_sample_pk"))
        batch_op.drop_index(batch_op.f("ix_sex_calls_run_id"))

    op.drop_table("sex_calls")
    with op.batch_alter_table("sample_quality", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sample_quality_sample_pk"))
        batch_op.drop_index(batch_op.f("ix_sample_quality_run_id"))

    op.drop_table("sample_quality")
    with op.batch_alter_table("extractions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_extractions_sample_pk"))
        batch_op.drop_index(batch_op.f("ix_extractions_lab_id"))

    op.drop_table("extractions")
    with op.batch_alter_table("consensus_genotypes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consensus_genotypes_sample_pk"))
        batch_op.drop_index(batch_op.f("ix_consensus_genotypes_run_id"))
        batch_op.drop_index(batch_op.f("ix_consensus_genotypes_batch_id"))

    op.drop_table("consensus_genotypes")
    with op.batch_alter_table("samples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_samples_project_id"))

    op.drop_table("samples")
    with op.batch_alter_table("individual_xrefs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_individual_xrefs_individual_pk"))

    op.drop_table("individual_xrefs")
    op.drop_table("individual_genotypes")
    with op.batch_alter_table("error_rates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_error_rates_run_id"))
        batch_op.drop_index(batch_op.f("ix_error_rates_batch_id"))

    op.drop_table("error_rates")
    with op.batch_alter_table("individuals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_individuals_catalogue_id"))

    op.drop_table("individuals")
    with op.batch_alter_table("detections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_detections_run_id"))
        batch_op.drop_index("ix_detections_catalogue_sample")
        batch_op.drop_index(batch_op.f("ix_detections_catalogue_id"))

    op.drop_table("detections")
    with op.batch_alter_table("catalogue_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalogue_events_run_id"))
        batch_op.drop_index(batch_op.f("ix_catalogue_events_catalogue_id"))

    op.drop_table("catalogue_events")
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batches_run_id"))
        batch_op.drop_index(batch_op.f("ix_batches_project_id"))
        batch_op.drop_index(batch_op.f("ix_batches_panel_id"))
        batch_op.drop_index(batch_op.f("ix_batches_lab_id"))
        batch_op.drop_index(batch_op.f("ix_batches_calibration_id"))

    op.drop_table("batches")
    op.drop_table("catalogues")
    with op.batch_alter_table("calibrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calibrations_lab_id"))

    op.drop_table("calibrations")
    with op.batch_alter_table("bin_sets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bin_sets_panel_id"))

    op.drop_table("bin_sets")
    op.drop_table("runs")
    op.drop_table("projects")
    op.drop_table("panels")
    op.drop_table("labs")
