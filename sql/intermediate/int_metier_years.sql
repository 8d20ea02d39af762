-- Weighted figures of each métier and year: headcount, age, shares.
CREATE OR REPLACE TABLE intermediate.int_metier_years AS
SELECT
    slug,
    year,
    count(*) AS n_records,
    sum(weight) AS headcount,
    sum(age * weight) / sum(weight) AS average_age,
    coalesce(sum(weight) FILTER (WHERE sex = 'F'), 0) / sum(weight) AS share_women,
    coalesce(sum(weight) FILTER (WHERE status = 'self_employed'), 0) / sum(weight)
        AS share_self_employed
FROM intermediate.int_register_records
GROUP BY slug, year;
