-- Coefficient of variation of a sample quantile, distribution-free: the 95% confidence
-- interval of the q-quantile of n sorted values runs from the value of rank
-- nq - 1.96 sqrt(nq(1-q)) to the value of rank nq + 1.96 sqrt(nq(1-q)) (binomial ranks,
-- Woodruff 1952); its width / 3.92 estimates the standard error, divided by the estimate.
-- Few records give a wide interval, so the record count is part of it.
CREATE OR REPLACE MACRO macros.quantile_cv(sorted_values, q, estimate) AS (
    CASE
        WHEN len(sorted_values) = 0 OR estimate IS NULL OR estimate = 0 THEN NULL
        ELSE (
            sorted_values[least(
                len(sorted_values),
                ceil(len(sorted_values) * q
                    + 1.96 * sqrt(len(sorted_values) * q * (1 - q)))::INTEGER
            )]
            - sorted_values[greatest(
                1,
                floor(len(sorted_values) * q
                    - 1.96 * sqrt(len(sorted_values) * q * (1 - q)))::INTEGER
            )]
        ) / 3.92 / abs(estimate)
    END
);
