-- What each weighted register figure averages, per record: a mean (estimate `mean` in
-- metiers/methodology/figures.py) is the weighted mean of its measure, a share (`share`) the weighted
-- mean of a 0/1 measure. One column per figure, named after it: int_metier_years averages
-- every column, int_figures publishes each, int_register_reliability gives each its CV.
CREATE OR REPLACE VIEW intermediate.int_register_measures AS
SELECT
    slug,
    year,
    weight,
    age::DOUBLE AS average_age,
    CASE WHEN sex = 'F' THEN 1.0 ELSE 0.0 END AS share_women,
    CASE WHEN status = 'self_employed' THEN 1.0 ELSE 0.0 END AS share_self_employed,
    CASE WHEN age >= 50 THEN 1.0 ELSE 0.0 END AS share_aged_50_plus
FROM intermediate.int_register_records;
