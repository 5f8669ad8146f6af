# Reference outputs of allelematch 3.0.0 on its five example data sets.
#
# Run from the repository root (R 4.2.2, allelematch 3.0.0 installed from
# cran/allelematch commit 0123f133, dynamicTreeCut 1.63-1 from Debian):
#   LC_ALL=C.UTF-8 Rscript test_data/reference/identify/run_allelematch.R
# Writes am_profiles.tsv and am_unique_matches.tsv beside this script.
suppressMessages(library(allelematch))
stopifnot(as.character(packageVersion("allelematch")) == "3.0.0")
out_dir <- "test_data/reference/identify"
profiles <- list()
matches <- list()
for (k in 1:5) {
  raw <- read.csv(sprintf("test_data/allelematch/amExample%d.csv", k),
                  colClasses = "character", check.names = FALSE)
  if (k < 5) {
    ds <- amDataset(raw, indexColumn = "sampleId", ignoreColumn = "knownIndividual",
                    missingCode = "-99")
    map <- NULL
  } else {
    ds <- amDataset(raw, indexColumn = "sampleId", metaDataColumn = "samplingData",
                    missingCode = "-99")
    map <- c(1, rep(2:11, each = 2))
  }
  # The CSV must give the same result as the shipped .RData object.
  prof <- amUniqueProfile(ds, multilocusMap = map, doPlot = FALSE, verbose = FALSE)
  prof$example <- k
  profiles[[k]] <- prof
  for (m in prof$alleleMismatch) {
    u <- amUnique(ds, multilocusMap = map, alleleMismatch = m, verbose = FALSE)
    for (p in u$pairwise) {
      if (identical(p$match$index, "None")) next
      matches[[length(matches) + 1]] <- data.frame(
        example = k, alleleMismatch = m, uniqueIndex = p$focal$index,
        sampleIndex = p$match$index, score = p$match$score,
        psib = signif(p$match$psib[1], 6), stringsAsFactors = FALSE)
    }
  }
}
prof <- do.call(rbind, profiles)
write.table(prof[, c("example", "alleleMismatch", "matchThreshold", "cutHeight", "samples",
                     "unique", "unclassified", "multipleMatch", "guessOptimum",
                     "guessMorphology")],
            file.path(out_dir, "am_profiles.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)
write.table(do.call(rbind, matches), file.path(out_dir, "am_unique_matches.tsv"), sep = "\t",
            quote = FALSE, row.names = FALSE)
