# Fits lme4's two-stage comparison model on the stacked rows written by
# compare.go and writes the conditional modes per learner and item.
#
#   Rscript glmer.R rows.csv learners_out.csv items_out.csv
#
# rows.csv columns: learner, item, support (0 = stage 1 alone, 1 = stage 2
# with support), y. Model: y ~ support + (1 + support | learner) + (1 | item).
# theta = intercept + learner intercept mode; elasticity = support + learner
# slope mode; difficulty = -(item mode) (lme4's item effect is an easiness).
suppressPackageStartupMessages(library(lme4))
args <- commandArgs(trailingOnly = TRUE)
rows <- read.csv(args[1], colClasses = c("character", "character", "numeric", "numeric"))
t0 <- proc.time()[["elapsed"]]
fit <- glmer(y ~ support + (1 + support | learner) + (1 | item), data = rows,
             family = binomial, control = glmerControl(calc.derivs = FALSE))
secs <- proc.time()[["elapsed"]] - t0
fe <- fixef(fit)
re <- ranef(fit, condVar = TRUE)
ul <- re$learner
pv <- attr(ul, "postVar")  # 2 x 2 x learners
learners <- data.frame(learner = rownames(ul),
                       theta = fe[["(Intercept)"]] + ul[["(Intercept)"]],
                       elasticity = fe[["support"]] + ul[["support"]],
                       theta_sd = sqrt(pv[1, 1, ]), elasticity_sd = sqrt(pv[2, 2, ]))
items <- data.frame(item = rownames(re$item), difficulty = -re$item[["(Intercept)"]])
write.csv(learners, args[2], row.names = FALSE)
write.csv(items, args[3], row.names = FALSE)
vc <- as.data.frame(VarCorr(fit))
cat(sprintf("glmer_seconds %.3f\n", secs))
cat(sprintf("glmer_fixef intercept %.4f support %.4f\n", fe[["(Intercept)"]], fe[["support"]]))
for (i in seq_len(nrow(vc))) {
  cat(sprintf("glmer_varcorr %s %s %s %.4f\n", vc$grp[i], vc$var1[i], ifelse(is.na(vc$var2[i]), "-", vc$var2[i]), vc$sdcor[i]))
}
