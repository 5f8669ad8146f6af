# allelematch 3.0.0 drops a cluster when every sample is clustered.
# Run: Rscript test_data/reference/identify/run_quirk.R  (prints "unique: 3  unclassified: 2")
.libPaths(c("/tmp/rlib", .libPaths())); suppressMessages(library(allelematch))
set.seed(1)
g <- matrix(sample(100:130, 4*20, replace=TRUE), 4, 20)
d <- data.frame(id = 1:8, g[rep(1:4, each=2), ])
ds <- amDataset(d, indexColumn = 1, missingCode = "-99")
u <- amUnique(ds, alleleMismatch = 1, verbose = FALSE)
cat("unique:", u$focalDatasetN, " unclassified:", u$numUnclassified, "\n")
