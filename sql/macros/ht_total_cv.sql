-- Coefficient of variation of a weighted total (an aggregate: use it in a GROUP BY). The
-- Horvitz-Thompson variance of sum(weight) under Poisson sampling with inclusion
-- probability 1/weight is sum(weight (weight - 1)) (Särndal et al., Model Assisted Survey
-- Sampling, 5.7): 0 for a census, where every weight is 1.
CREATE OR REPLACE MACRO macros.ht_total_cv(weight) AS
    sqrt(sum(weight * (weight - 1))) / sum(weight);
