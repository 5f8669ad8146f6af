#!/usr/bin/env bash
# The main job on the bundled demo season (test_data/demo/): raw replicate PCRs and a
# field sample sheet -> consensus genotypes and error rates -> species (cytb reads) and
# sex -> individuals and captures -> marker statistics -> relatedness -> Ne -> abundance
# -> one HTML report.
# Every step is one genmon command; each writes run.json with its provenance.
#
# Usage: bash pipelines/demo.sh [OUTPUT_DIR]     (default: demo_out)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
demo="$root/test_data/demo"
out="${1:-demo_out}"
mkdir -p "$out"
seed=2024

step() { printf '\n== %s\n' "$1" >&2; }

step "import: validate the batch and the sample sheet"
mkdir -p "$out/import"
genmon validate "$demo/replicates.long.csv" --sample-sheet "$demo/sample_sheet.csv" > "$out/import/validation.txt"
step "consensus genotypes and genotyping-error rates"
genmon consensus "$demo/replicates.long.csv" --sample-sheet "$demo/sample_sheet.csv" -o "$out/consensus" --force
step "species identification from cytochrome b reads"
cytb="$root/test_data/felid-cytb"
genmon species build-reference "$cytb/felidae_cytb.gb" "$cytb/amur_leopard_cytb_AB817078_AB817079.gb" \
    -o "$out/species/panel.fasta" --force
genmon species call "$demo/mtdna_reads.fastq" --reference "$out/species/panel.fasta" \
    -o "$out/species/species.tsv" --force
step "sex from the SRY/ZFX marker"
genmon sex "$demo/replicates.long.csv" --markers "$demo/sex_markers.tsv" --species "$out/species/species.tsv" \
    -o "$out/sex/sex.tsv" --force
step "individual identification"
# samples whose cytb says another species are left out; sex calls give each individual its sex
genmon identify "$out/consensus/consensus.csv" --sex-calls "$out/sex/sex.tsv" \
    --species-calls "$out/species/species.tsv" --target-species "Panthera pardus" -o "$out/identify" --force
# marker statistics, relatedness and Ne are about individuals, not samples:
# they read one consensus genotype per identified individual.
step "marker statistics (diversity, HWE, PI/PIsibs, LD)"
genmon markers "$out/identify/individuals.csv" -o "$out/markers" --seed "$seed" --force
step "relatedness and kinship classes"
genmon relate "$out/identify/individuals.csv" -o "$out/relate" --force
step "effective population size"
genmon ne "$out/identify/individuals.csv" --by none -o "$out/ne" --force
step "abundance (capwire, closed-population models, rarefaction, SCR density)"
genmon census "$out/identify/captures.tsv" -o "$out/census" --seed "$seed" \
    --detectors "$demo/detectors.tsv" --buffer 12000 --detection-function HN --force
step "report"
genmon report "$out" -o "$out/report.html" --title "Amur leopard demo season (simulated)" --force
printf '\nDone: %s/report.html, with the tables of every step under %s/.\n' "$out" "$out" >&2
