# R hclust(complete) + dynamicTreeCut::cutreeHybrid on tied dissimilarities.
#
# Run from the repository root (R 4.2.2, dynamicTreeCut 1.63-1 from Debian):
#   LC_ALL=C.UTF-8 Rscript test_data/reference/identify/run_dendro.R
# Matrices: n objects with dissimilarities k / 20 (k = 0..20, many ties),
# drawn with set.seed(case); cut at cutHeight = h / 20 exactly as allelematch
# calls it (minClusterSize = 1, everything else default).
suppressMessages(library(dynamicTreeCut))
out <- list()
for (case in 1:30) {
  set.seed(case)
  n <- sample(3:40, 1)
  groups <- sample(1:max(1, n %/% 3), n, replace = TRUE)
  d <- matrix(0, n, n)
  for (i in 1:n) for (j in 1:n) if (i < j) {
    base <- if (groups[i] == groups[j]) sample(0:4, 1) else sample(5:20, 1)
    d[i, j] <- base; d[j, i] <- base
  }
  d <- 1 - ((20 - d) / 20)
  h <- sample(1:8, 1)
  cut <- 1 - (1 - h / 20)
  hc <- hclust(as.dist(d), method = "complete")
  lab <- cutreeHybrid(hc, d, cutHeight = cut, minClusterSize = 1, verbose = 0)$labels
  out[[case]] <- data.frame(case = case, n = n, h = h,
                            dist = paste(round(d[upper.tri(d)] * 20), collapse = ","),
                            merge = paste(t(hc$merge), collapse = ","),
                            height = paste(round(hc$height * 20), collapse = ","),
                            labels = paste(lab, collapse = ","))
}
write.table(do.call(rbind, out), "test_data/reference/identify/dendro_cases.tsv", sep = "\t",
            quote = FALSE, row.names = FALSE)
