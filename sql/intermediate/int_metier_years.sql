-- Weighted figures of each métier and year: headcount (the sum of weights) and the weighted
-- mean of every measure of int_register_measures (average age, shares).
CREATE OR REPLACE TABLE intermediate.int_metier_years AS
SELECT
    slug,
    year,
    count(*) AS n_records,
    sum(weight) AS headcount,
    sum(weight * COLUMNS(* EXCLUDE (slug, year, weight))) / sum(weight)
FROM intermediate.int_register_measures
GROUP BY slug, year;
