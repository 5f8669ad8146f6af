# Per-locus diversity of the nancycats microsatellites with adegenet.
# Run from the repository root:
#   Rscript test_data/reference/markers/adegenet_nancycats.R > test_data/reference/markers/adegenet_nancycats.txt
suppressPackageStartupMessages(library(adegenet))
cat("R:", R.version.string, "\n")
cat("adegenet:", as.character(packageVersion("adegenet")), "\n")
x <- read.fstat("test_data/nancycats/nancycats.dat", quiet = TRUE)
s <- summary(x)
tab <- data.frame(locus = names(s$loc.n.all), n_alleles = as.integer(s$loc.n.all),
                  Hobs = sprintf("%.6f", s$Hobs), Hexp = sprintf("%.6f", s$Hexp))
# n_typed: individuals with a non-missing genotype at the locus
typed <- sapply(seploc(x), function(l) sum(!is.na(tab(l, NA.method = "asis")[, 1])))
tab$n_typed <- as.integer(typed)
tab <- tab[, c("locus", "n_alleles", "n_typed", "Hobs", "Hexp")]
cat("BEGIN_TABLE\n")
write.table(tab, sep = "\t", quote = FALSE, row.names = FALSE)
cat("END_TABLE\n")
cat("Mean Hexp:", sprintf("%.6f", mean(s$Hexp)), " Mean Hobs:", sprintf("%.6f", mean(s$Hobs)), "\n")
# Per population (adegenet seppop + summary): typed n, alleles, Hobs, Hexp per locus
cat("BEGIN_POP_TABLE\n")
cat("population\tlocus\tn_alleles\tn_typed\tHobs\tHexp\n")
for (p in levels(pop(x))) {
  y <- seppop(x)[[p]]
  sp <- suppressWarnings(summary(y))
  typed_p <- sapply(seploc(y), function(l) sum(!is.na(tab(l, NA.method = "asis")[, 1])))
  nall <- sapply(seploc(y), function(l) sum(colSums(tab(l), na.rm = TRUE) > 0))
  for (l in locNames(y)) {
    cat(p, l, nall[[l]], typed_p[[l]], sprintf("%.6f", sp$Hobs[[l]]), sprintf("%.6f", sp$Hexp[[l]]), sep = "\t")
    cat("\n")
  }
}
cat("END_POP_TABLE\n")
