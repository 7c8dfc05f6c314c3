# One timed run of R's glm + summary (or hatvalues + cooks.distance) on a benchmark problem.
# Usage: Rscript r_worker.R PROBLEM N DATADIR TASK CALLS      (prints one JSON line)
# Mirrors benchmarks/worker.py: warm-up fit, peak-memory reset (Linux clear_refs), timed part.
suppressMessages(library(jsonlite))
args <- commandArgs(trailingOnly = TRUE)
problem <- args[1]; n <- as.numeric(args[2]); datadir <- args[3]; task <- args[4]; calls <- as.integer(args[5])

status_kb <- function(field) {
  l <- tryCatch(readLines("/proc/self/status"), error = function(e) character())
  l <- l[startsWith(l, paste0(field, ":"))]
  if (length(l) == 0) return(NA_real_)
  as.numeric(strsplit(trimws(sub(paste0(field, ":"), "", l)), " +")[[1]][1])
}
reset_peak <- function() {
  tryCatch(writeLines("5", "/proc/self/clear_refs"), error = function(e) NULL, warning = function(w) NULL)
  status_kb("VmRSS")
}

out <- list(tool = "R", problem = problem, n = n, task = task)
res <- tryCatch({
  meta <- fromJSON(file.path(datadir, "meta.json"))
  cols <- list()
  for (c in meta$columns) {
    if (!is.null(meta$levels[[c]])) {
      codes <- readBin(file.path(datadir, paste0(c, ".i32")), "integer", n = meta$n, size = 4, endian = "little")
      cols[[c]] <- factor(meta$levels[[c]][codes + 1L], levels = meta$levels[[c]])
    } else {
      cols[[c]] <- readBin(file.path(datadir, paste0(c, ".f64")), "double", n = meta$n, size = 8, endian = "little")
    }
  }
  d <- as.data.frame(cols)
  fam <- switch(meta$family, binomial = binomial(), poisson = poisson(), gamma = Gamma(link = "log"))
  f <- as.formula(meta$formula)
  fitfun <- function() { m <- glm(f, family = fam, data = d); s <- summary(m); list(m = m, s = s) }
  r <- fitfun()
  if (task == "fit") {
    base <- reset_peak()
    t0 <- proc.time()[["elapsed"]]
    for (i in seq_len(calls)) r <- fitfun()
    out$seconds <- (proc.time()[["elapsed"]] - t0) / calls
  } else {
    h <- hatvalues(r$m); cd <- cooks.distance(r$m)
    base <- reset_peak()
    t0 <- proc.time()[["elapsed"]]
    h <- hatvalues(r$m); cd <- cooks.distance(r$m)
    out$seconds <- proc.time()[["elapsed"]] - t0
  }
  out$peak_mb <- max(0, (status_kb("VmHWM") - base) / 1024)
  out$check <- unname(coef(r$m)[meta$numeric[1]])
  NULL
}, error = function(e) conditionMessage(e))
if (!is.null(res)) out$error <- res
cat(toJSON(out, auto_unbox = TRUE, digits = NA), "\n")
