-- Standard error of a weighted ratio R = sum(weight value) / sum(weight), e.g. a mean age or
-- a share (value 0 or 1), given each record's group estimate R (an aggregate: use it in a
-- GROUP BY). Horvitz-Thompson under Poisson sampling with inclusion probability 1/weight:
-- V = sum(weight (weight - 1) (value - R)^2) / sum(weight)^2; 0 for a census.
CREATE OR REPLACE MACRO macros.ht_ratio_se(weight, value, estimate) AS
    sqrt(sum(weight * (weight - 1) * pow(value - estimate, 2))) / sum(weight);
