-- The analysts' and the site's main table: one row per métier and reference year, every
-- figure with the source that won reconciliation, its period, source files, record count,
-- publisher flag, whether an editorial override set it and, when it is withheld, why.
CREATE OR REPLACE TABLE metier_figures AS
WITH pivoted AS (
    SELECT
        slug,
        max(value) FILTER (WHERE indicator = 'headcount') AS headcount,
        max(value) FILTER (WHERE indicator = 'growth_rate') AS growth_rate,
        max(value) FILTER (WHERE indicator = 'insertion_rate') AS insertion_rate,
        max(value) FILTER (WHERE indicator = 'average_age') AS average_age,
        max(value) FILTER (WHERE indicator = 'share_women') AS share_women,
        max(value) FILTER (WHERE indicator = 'share_self_employed') AS share_self_employed,
        max(value) FILTER (WHERE indicator = 'salary_entry') AS salary_entry,
        max(value) FILTER (WHERE indicator = 'salary_senior_median') AS salary_senior_median,
        max(value) FILTER (WHERE indicator = 'salary_senior_p90') AS salary_senior_p90,
        max(value) FILTER (WHERE indicator = 'freelance_rate_min') AS freelance_rate_min,
        max(value) FILTER (WHERE indicator = 'freelance_rate_max') AS freelance_rate_max,
        max(source_id) FILTER (WHERE indicator = 'headcount') AS headcount_source,
        max(period) FILTER (WHERE indicator = 'headcount') AS headcount_period,
        max(source_files) FILTER (WHERE indicator = 'headcount') AS headcount_source_files,
        max(n_records) FILTER (WHERE indicator = 'headcount') AS headcount_n_records,
        max(suppressed) FILTER (WHERE indicator = 'headcount') AS headcount_suppressed,
        max(flag) FILTER (WHERE indicator = 'headcount') AS headcount_flag,
        coalesce(bool_or(override) FILTER (WHERE figure = 'headcount'), false) AS headcount_override,
        max(source_id) FILTER (WHERE indicator = 'growth_rate') AS growth_rate_source,
        max(period) FILTER (WHERE indicator = 'growth_rate') AS growth_rate_period,
        max(source_files) FILTER (WHERE indicator = 'growth_rate') AS growth_rate_source_files,
        max(n_records) FILTER (WHERE indicator = 'growth_rate') AS growth_rate_n_records,
        max(suppressed) FILTER (WHERE indicator = 'growth_rate') AS growth_rate_suppressed,
        max(flag) FILTER (WHERE indicator = 'growth_rate') AS growth_rate_flag,
        coalesce(bool_or(override) FILTER (WHERE figure = 'growth_rate'), false) AS growth_rate_override,
        max(source_id) FILTER (WHERE indicator = 'insertion_rate') AS insertion_rate_source,
        max(period) FILTER (WHERE indicator = 'insertion_rate') AS insertion_rate_period,
        max(source_files) FILTER (WHERE indicator = 'insertion_rate') AS insertion_rate_source_files,
        max(n_records) FILTER (WHERE indicator = 'insertion_rate') AS insertion_rate_n_records,
        max(suppressed) FILTER (WHERE indicator = 'insertion_rate') AS insertion_rate_suppressed,
        max(flag) FILTER (WHERE indicator = 'insertion_rate') AS insertion_rate_flag,
        coalesce(bool_or(override) FILTER (WHERE figure = 'insertion_rate'), false) AS insertion_rate_override,
        max(source_id) FILTER (WHERE indicator = 'average_age') AS average_age_source,
        max(period) FILTER (WHERE indicator = 'average_age') AS average_age_period,
        max(source_files) FILTER (WHERE indicator = 'average_age') AS average_age_source_files,
        max(n_records) FILTER (WHERE indicator = 'average_age') AS average_age_n_records,
        max(suppressed) FILTER (WHERE indicator = 'average_age') AS average_age_suppressed,
        max(flag) FILTER (WHERE indicator = 'average_age') AS average_age_flag,
        coalesce(bool_or(override) FILTER (WHERE figure = 'average_age'), false) AS average_age_override,
        max(source_id) FILTER (WHERE indicator = 'share_women') AS share_women_source,
        max(period) FILTER (WHERE indicator = 'share_women') AS share_women_period,
        max(source_files) FILTER (WHERE indicator = 'share_women') AS share_women_source_files,
        max(n_records) FILTER (WHERE indicator = 'share_women') AS share_women_n_records,
        max(suppressed) FILTER (WHERE indicator = 'share_women') AS share_women_suppressed,
        max(flag) FILTER (WHERE indicator = 'share_women') AS share_women_flag,
        coalesce(bool_or(override) FILTER (WHERE figure = 'share_women'), false) AS share_women_override,
        max(source_id) FILTER (WHERE indicator = 'share_self_employed') AS share_self_employed_source,
        max(period) FILTER (WHERE indicator = 'share_self_employed') AS share_self_employed_period,
        max(source_files) FILTER (WHERE indicator = 'share_self_employed') AS share_self_employed_source_files,
        max(n_records) FILTER (WHERE indicator = 'share_self_employed') AS share_self_employed_n_records,
        max(suppressed) FILTER (WHERE indicator = 'share_self_employed') AS share_self_employed_suppressed,
        max(flag) FILTER (WHERE indicator = 'share_self_employed') AS share_self_employed_flag,
        coalesce(bool_or(override) FILTER (WHERE figure = 'share_self_employed'), false) AS share_self_employed_override,
        max(source_id) FILTER (WHERE indicator = 'salary_entry') AS salary_entry_source,
        max(period) FILTER (WHERE indicator = 'salary_entry') AS salary_entry_period,
        max(source_files) FILTER (WHERE indicator = 'salary_entry') AS salary_entry_source_files,
        max(n_records) FILTER (WHERE indicator = 'salary_entry') AS salary_entry_n_records,
        max(suppressed) FILTER (WHERE indicator = 'salary_entry') AS salary_entry_suppressed,
        max(flag) FILTER (WHERE indicator = 'salary_entry') AS salary_entry_flag,
        coalesce(bool_or(override) FILTER (WHERE figure = 'salary_entry'), false) AS salary_entry_override,
        max(source_id) FILTER (WHERE indicator = 'salary_senior_median') AS salary_senior_source,
        max(period) FILTER (WHERE indicator = 'salary_senior_median') AS salary_senior_period,
        max(source_files) FILTER (WHERE indicator = 'salary_senior_median') AS salary_senior_source_files,
        max(n_records) FILTER (WHERE indicator = 'salary_senior_median') AS salary_senior_n_records,
        max(suppressed) FILTER (WHERE indicator = 'salary_senior_median') AS salary_senior_suppressed,
        max(flag) FILTER (WHERE indicator = 'salary_senior_median') AS salary_senior_flag,
        coalesce(bool_or(override) FILTER (WHERE figure = 'salary_senior'), false) AS salary_senior_override,
        max(source_id) FILTER (WHERE indicator = 'freelance_rate_min') AS freelance_rate_source,
        max(period) FILTER (WHERE indicator = 'freelance_rate_min') AS freelance_rate_period,
        max(source_files) FILTER (WHERE indicator = 'freelance_rate_min') AS freelance_rate_source_files,
        max(n_records) FILTER (WHERE indicator = 'freelance_rate_min') AS freelance_rate_n_records,
        max(suppressed) FILTER (WHERE indicator = 'freelance_rate_min') AS freelance_rate_suppressed,
        max(flag) FILTER (WHERE indicator = 'freelance_rate_min') AS freelance_rate_flag,
        coalesce(bool_or(override) FILTER (WHERE figure = 'freelance_rate'), false) AS freelance_rate_override
    FROM intermediate.int_figures_reconciled
    GROUP BY slug
),
reliability AS (
    SELECT
        slug,
        max(cv) FILTER (WHERE indicator = 'headcount') AS headcount_cv,
        max(reliability) FILTER (WHERE indicator = 'headcount') AS headcount_reliability,
        max(cv) FILTER (WHERE indicator = 'growth_rate') AS growth_rate_cv,
        max(reliability) FILTER (WHERE indicator = 'growth_rate') AS growth_rate_reliability,
        max(cv) FILTER (WHERE indicator = 'insertion_rate') AS insertion_rate_cv,
        max(reliability) FILTER (WHERE indicator = 'insertion_rate') AS insertion_rate_reliability,
        max(cv) FILTER (WHERE indicator = 'average_age') AS average_age_cv,
        max(reliability) FILTER (WHERE indicator = 'average_age') AS average_age_reliability,
        max(cv) FILTER (WHERE indicator = 'share_women') AS share_women_cv,
        max(reliability) FILTER (WHERE indicator = 'share_women') AS share_women_reliability,
        max(cv) FILTER (WHERE indicator = 'share_self_employed') AS share_self_employed_cv,
        max(reliability) FILTER (WHERE indicator = 'share_self_employed') AS share_self_employed_reliability,
        max(cv) FILTER (WHERE indicator = 'salary_entry') AS salary_entry_cv,
        max(reliability) FILTER (WHERE indicator = 'salary_entry') AS salary_entry_reliability,
        max(cv) FILTER (WHERE indicator = 'salary_senior_median') AS salary_senior_cv,
        max(reliability) FILTER (WHERE indicator = 'salary_senior_median') AS salary_senior_reliability
    FROM intermediate.int_register_reliability
    GROUP BY slug
),
freelance AS (
    SELECT
        slug,
        unit,
        source AS citation,
        source_url AS citation_url
    FROM intermediate.int_freelance_rates
)
SELECT
    metiers.slug,
    reference.reference_year,
    metiers.title_fr,
    metiers.title_nl,
    metiers.title_en,
    metiers.esco_code,
    pivoted.headcount,
    pivoted.growth_rate,
    pivoted.insertion_rate,
    insertion.main_channel AS insertion_main_channel,
    pivoted.average_age,
    pivoted.share_women,
    pivoted.share_self_employed,
    pivoted.salary_entry,
    pivoted.salary_senior_median,
    pivoted.salary_senior_p90,
    pivoted.freelance_rate_min,
    pivoted.freelance_rate_max,
    freelance.unit AS freelance_rate_unit,
    freelance.citation AS freelance_rate_citation,
    freelance.citation_url AS freelance_rate_citation_url,
    metiers.training_years_min,
    metiers.training_years_max,
    metiers.training_plus_experience,
    'metiers' AS training_source,
    pivoted.headcount_n_records AS n_records,
    coalesce(pivoted.headcount_source, 'register') AS headcount_source,
    pivoted.headcount_period,
    pivoted.headcount_source_files,
    pivoted.headcount_n_records,
    CASE WHEN pivoted.headcount IS NULL THEN coalesce(pivoted.headcount_suppressed, CASE WHEN list_contains(getvariable('excluded_sources'), 'register') THEN 'source register excluded: it failed validation' ELSE 'no register data for this métier' END) END AS headcount_suppressed,
    pivoted.headcount_flag,
    coalesce(pivoted.headcount_override, false) AS headcount_override,
    coalesce(pivoted.growth_rate_source, 'register') AS growth_rate_source,
    pivoted.growth_rate_period,
    pivoted.growth_rate_source_files,
    pivoted.growth_rate_n_records,
    CASE WHEN pivoted.growth_rate IS NULL THEN coalesce(pivoted.growth_rate_suppressed, CASE WHEN list_contains(getvariable('excluded_sources'), 'register') THEN 'source register excluded: it failed validation' ELSE 'no register data for this métier' END) END AS growth_rate_suppressed,
    pivoted.growth_rate_flag,
    coalesce(pivoted.growth_rate_override, false) AS growth_rate_override,
    coalesce(pivoted.insertion_rate_source, 'insertion') AS insertion_rate_source,
    pivoted.insertion_rate_period,
    pivoted.insertion_rate_source_files,
    pivoted.insertion_rate_n_records,
    CASE WHEN pivoted.insertion_rate IS NULL THEN coalesce(pivoted.insertion_rate_suppressed, CASE WHEN list_contains(getvariable('excluded_sources'), 'insertion') THEN 'source insertion excluded: it failed validation' ELSE 'no insertion data for this métier' END) END AS insertion_rate_suppressed,
    pivoted.insertion_rate_flag,
    coalesce(pivoted.insertion_rate_override, false) AS insertion_rate_override,
    coalesce(pivoted.average_age_source, 'register') AS average_age_source,
    pivoted.average_age_period,
    pivoted.average_age_source_files,
    pivoted.average_age_n_records,
    CASE WHEN pivoted.average_age IS NULL THEN coalesce(pivoted.average_age_suppressed, CASE WHEN list_contains(getvariable('excluded_sources'), 'register') THEN 'source register excluded: it failed validation' ELSE 'no register data for this métier' END) END AS average_age_suppressed,
    pivoted.average_age_flag,
    coalesce(pivoted.average_age_override, false) AS average_age_override,
    coalesce(pivoted.share_women_source, 'register') AS share_women_source,
    pivoted.share_women_period,
    pivoted.share_women_source_files,
    pivoted.share_women_n_records,
    CASE WHEN pivoted.share_women IS NULL THEN coalesce(pivoted.share_women_suppressed, CASE WHEN list_contains(getvariable('excluded_sources'), 'register') THEN 'source register excluded: it failed validation' ELSE 'no register data for this métier' END) END AS share_women_suppressed,
    pivoted.share_women_flag,
    coalesce(pivoted.share_women_override, false) AS share_women_override,
    coalesce(pivoted.share_self_employed_source, 'register') AS share_self_employed_source,
    pivoted.share_self_employed_period,
    pivoted.share_self_employed_source_files,
    pivoted.share_self_employed_n_records,
    CASE WHEN pivoted.share_self_employed IS NULL THEN coalesce(pivoted.share_self_employed_suppressed, CASE WHEN list_contains(getvariable('excluded_sources'), 'register') THEN 'source register excluded: it failed validation' ELSE 'no register data for this métier' END) END AS share_self_employed_suppressed,
    pivoted.share_self_employed_flag,
    coalesce(pivoted.share_self_employed_override, false) AS share_self_employed_override,
    coalesce(pivoted.salary_entry_source, 'register') AS salary_entry_source,
    pivoted.salary_entry_period,
    pivoted.salary_entry_source_files,
    pivoted.salary_entry_n_records,
    CASE WHEN pivoted.salary_entry IS NULL THEN coalesce(pivoted.salary_entry_suppressed, CASE WHEN list_contains(getvariable('excluded_sources'), 'register') THEN 'source register excluded: it failed validation' ELSE 'no register data for this métier' END) END AS salary_entry_suppressed,
    pivoted.salary_entry_flag,
    coalesce(pivoted.salary_entry_override, false) AS salary_entry_override,
    coalesce(pivoted.salary_senior_source, 'register') AS salary_senior_source,
    pivoted.salary_senior_period,
    pivoted.salary_senior_source_files,
    pivoted.salary_senior_n_records,
    CASE WHEN pivoted.salary_senior_median IS NULL THEN coalesce(pivoted.salary_senior_suppressed, CASE WHEN list_contains(getvariable('excluded_sources'), 'register') THEN 'source register excluded: it failed validation' ELSE 'no register data for this métier' END) END AS salary_senior_suppressed,
    pivoted.salary_senior_flag,
    coalesce(pivoted.salary_senior_override, false) AS salary_senior_override,
    coalesce(pivoted.freelance_rate_source, 'facts') AS freelance_rate_source,
    pivoted.freelance_rate_period,
    pivoted.freelance_rate_source_files,
    pivoted.freelance_rate_n_records,
    CASE WHEN pivoted.freelance_rate_min IS NULL THEN coalesce(pivoted.freelance_rate_suppressed, CASE WHEN list_contains(getvariable('excluded_sources'), 'facts') THEN 'source facts excluded: it failed validation' ELSE 'no facts data for this métier' END) END AS freelance_rate_suppressed,
    pivoted.freelance_rate_flag,
    coalesce(pivoted.freelance_rate_override, false) AS freelance_rate_override,
    CASE
        WHEN pivoted.headcount IS NOT NULL AND pivoted.headcount_source = 'register'
            THEN reliability.headcount_cv
    END AS headcount_cv,
    CASE
        WHEN pivoted.headcount IS NULL THEN NULL
        WHEN macros.eurostat_unreliable(pivoted.headcount_flag)
            THEN 'low'
        WHEN pivoted.headcount_source = 'register' THEN reliability.headcount_reliability
    END AS headcount_reliability,
    CASE
        WHEN pivoted.growth_rate IS NOT NULL AND pivoted.growth_rate_source = 'register'
            THEN reliability.growth_rate_cv
    END AS growth_rate_cv,
    CASE
        WHEN pivoted.growth_rate IS NULL THEN NULL
        WHEN macros.eurostat_unreliable(pivoted.growth_rate_flag)
            THEN 'low'
        WHEN pivoted.growth_rate_source = 'register' THEN reliability.growth_rate_reliability
    END AS growth_rate_reliability,
    CASE
        WHEN pivoted.insertion_rate IS NOT NULL AND pivoted.insertion_rate_source = 'register'
            THEN reliability.insertion_rate_cv
    END AS insertion_rate_cv,
    CASE
        WHEN pivoted.insertion_rate IS NULL THEN NULL
        WHEN macros.eurostat_unreliable(pivoted.insertion_rate_flag)
            THEN 'low'
        WHEN pivoted.insertion_rate_source = 'register' THEN reliability.insertion_rate_reliability
    END AS insertion_rate_reliability,
    CASE
        WHEN pivoted.average_age IS NOT NULL AND pivoted.average_age_source = 'register'
            THEN reliability.average_age_cv
    END AS average_age_cv,
    CASE
        WHEN pivoted.average_age IS NULL THEN NULL
        WHEN macros.eurostat_unreliable(pivoted.average_age_flag)
            THEN 'low'
        WHEN pivoted.average_age_source = 'register' THEN reliability.average_age_reliability
    END AS average_age_reliability,
    CASE
        WHEN pivoted.share_women IS NOT NULL AND pivoted.share_women_source = 'register'
            THEN reliability.share_women_cv
    END AS share_women_cv,
    CASE
        WHEN pivoted.share_women IS NULL THEN NULL
        WHEN macros.eurostat_unreliable(pivoted.share_women_flag)
            THEN 'low'
        WHEN pivoted.share_women_source = 'register' THEN reliability.share_women_reliability
    END AS share_women_reliability,
    CASE
        WHEN pivoted.share_self_employed IS NOT NULL AND pivoted.share_self_employed_source = 'register'
            THEN reliability.share_self_employed_cv
    END AS share_self_employed_cv,
    CASE
        WHEN pivoted.share_self_employed IS NULL THEN NULL
        WHEN macros.eurostat_unreliable(pivoted.share_self_employed_flag)
            THEN 'low'
        WHEN pivoted.share_self_employed_source = 'register' THEN reliability.share_self_employed_reliability
    END AS share_self_employed_reliability,
    CASE
        WHEN pivoted.salary_entry IS NOT NULL AND pivoted.salary_entry_source = 'register'
            THEN reliability.salary_entry_cv
    END AS salary_entry_cv,
    CASE
        WHEN pivoted.salary_entry IS NULL THEN NULL
        WHEN macros.eurostat_unreliable(pivoted.salary_entry_flag)
            THEN 'low'
        WHEN pivoted.salary_entry_source = 'register' THEN reliability.salary_entry_reliability
    END AS salary_entry_reliability,
    CASE
        WHEN pivoted.salary_senior_median IS NOT NULL AND pivoted.salary_senior_source = 'register'
            THEN reliability.salary_senior_cv
    END AS salary_senior_cv,
    CASE
        WHEN pivoted.salary_senior_median IS NULL THEN NULL
        WHEN macros.eurostat_unreliable(pivoted.salary_senior_flag)
            THEN 'low'
        WHEN pivoted.salary_senior_source = 'register' THEN reliability.salary_senior_reliability
    END AS salary_senior_reliability,
    NULL::DOUBLE AS freelance_rate_cv,
    CASE
        WHEN pivoted.freelance_rate_min IS NULL THEN NULL
        WHEN macros.eurostat_unreliable(pivoted.freelance_rate_flag)
            THEN 'low'
    END AS freelance_rate_reliability
FROM intermediate.int_metiers AS metiers
CROSS JOIN intermediate.int_reference_year AS reference
LEFT JOIN pivoted USING (slug)
LEFT JOIN intermediate.int_insertion AS insertion USING (slug)
LEFT JOIN freelance USING (slug)
LEFT JOIN reliability USING (slug)
ORDER BY metiers.slug;

COMMENT ON TABLE metier_figures IS 'One row per métier and reference year: the figures of the card, each with the source that won reconciliation, its period, record count and suppression reason. Rates are fractions, money in euros per month (gross, full-time equivalent), ages in years.';
COMMENT ON COLUMN metier_figures.slug IS 'Identifier of the métier on the site (from the catalogue).';
COMMENT ON COLUMN metier_figures.reference_year IS 'Reference year Y: the latest year present in the register.';
COMMENT ON COLUMN metier_figures.title_fr IS 'Title of the métier in French (catalogue, else the ESCO preferred label).';
COMMENT ON COLUMN metier_figures.title_nl IS 'Title of the métier in Dutch (catalogue, else the ESCO preferred label).';
COMMENT ON COLUMN metier_figures.title_en IS 'Title of the métier in English (catalogue, else the ESCO preferred label).';
COMMENT ON COLUMN metier_figures.esco_code IS 'ESCO code (2654.2) or ISCO-08 unit group (2654) of the métier; a record belongs to the métier when its occupation code equals it or starts with it followed by ''.''.';
COMMENT ON COLUMN metier_figures.headcount IS 'Weighted number of persons of the métier in Y (sum of register weights), or the winning source''s value.';
COMMENT ON COLUMN metier_figures.growth_rate IS 'Compound annual growth of headcount from Y-5 (or the métier''s first later year, span of at least 3 years) to Y, as a fraction (0.05 = +5% a year).';
COMMENT ON COLUMN metier_figures.insertion_rate IS 'Share of training leavers employed six months later: latest cohort, pooled with up to two earlier cohorts when leavers are fewer than the threshold.';
COMMENT ON COLUMN metier_figures.insertion_main_channel IS 'Channel through which most leavers of the cohorts used found work (network, internship, job_board, public_employment_service, temp_agency, spontaneous_application).';
COMMENT ON COLUMN metier_figures.average_age IS 'Weighted mean age in Y, in years.';
COMMENT ON COLUMN metier_figures.share_women IS 'Weighted share of women in Y (fraction).';
COMMENT ON COLUMN metier_figures.share_self_employed IS 'Weighted share of self-employed persons in Y (fraction).';
COMMENT ON COLUMN metier_figures.salary_entry IS 'Median gross monthly FTE wage of employees with less than 3 years of experience, in euros; Y, or Y-2..Y pooled when Y has fewer records than the threshold.';
COMMENT ON COLUMN metier_figures.salary_senior_median IS 'Median gross monthly FTE wage of employees with 10 or more years of experience, in euros; same pooling rule as salary_entry.';
COMMENT ON COLUMN metier_figures.salary_senior_p90 IS '90th percentile of the gross monthly FTE wage of employees with 10 or more years of experience, in euros.';
COMMENT ON COLUMN metier_figures.freelance_rate_min IS 'Lower end of the usual freelance rate, in euros per freelance_rate_unit (editorial source).';
COMMENT ON COLUMN metier_figures.freelance_rate_max IS 'Upper end of the usual freelance rate, in euros per freelance_rate_unit (editorial source).';
COMMENT ON COLUMN metier_figures.freelance_rate_unit IS 'Unit of the freelance rate: eur_per_week, eur_per_day or eur_per_hour.';
COMMENT ON COLUMN metier_figures.freelance_rate_citation IS 'Who published the freelance rate (editorial source).';
COMMENT ON COLUMN metier_figures.freelance_rate_citation_url IS 'Where the freelance rate was published.';
COMMENT ON COLUMN metier_figures.training_years_min IS 'Shortest usual training, in years (catalogue).';
COMMENT ON COLUMN metier_figures.training_years_max IS 'Longest usual training, in years (catalogue).';
COMMENT ON COLUMN metier_figures.training_plus_experience IS 'True when professional experience is expected on top of the training.';
COMMENT ON COLUMN metier_figures.training_source IS 'Source id of the training figures: the catalogue.';
COMMENT ON COLUMN metier_figures.n_records IS 'Unweighted number of register records of the métier in Y; null when withheld by disclosure control.';
COMMENT ON COLUMN metier_figures.headcount_source IS 'Source id that gave headcount (see meta_source_registry); the winner of reconciliation.';
COMMENT ON COLUMN metier_figures.headcount_period IS 'Period headcount refers to: a year, or first-last year when years are pooled.';
COMMENT ON COLUMN metier_figures.headcount_source_files IS 'Raw files headcount was computed or read from, relative to the raw folder.';
COMMENT ON COLUMN metier_figures.headcount_n_records IS 'Number of records headcount rests on (persons for register figures, leavers for insertion); null when withheld or for published aggregates.';
COMMENT ON COLUMN metier_figures.headcount_suppressed IS 'Why headcount is null: disclosure control (fewer records than the threshold) or missing data; null when published.';
COMMENT ON COLUMN metier_figures.headcount_flag IS 'Publisher''s flag on the value of headcount (e.g. top_coded, not_available, or a Eurostat flag); null when none.';
COMMENT ON COLUMN metier_figures.headcount_override IS 'True when an editorial fact marked as an override set headcount instead of the computed value.';
COMMENT ON COLUMN metier_figures.growth_rate_source IS 'Source id that gave growth_rate (see meta_source_registry); the winner of reconciliation.';
COMMENT ON COLUMN metier_figures.growth_rate_period IS 'Period growth_rate refers to: a year, or first-last year when years are pooled.';
COMMENT ON COLUMN metier_figures.growth_rate_source_files IS 'Raw files growth_rate was computed or read from, relative to the raw folder.';
COMMENT ON COLUMN metier_figures.growth_rate_n_records IS 'Number of records growth_rate rests on (persons for register figures, leavers for insertion); null when withheld or for published aggregates.';
COMMENT ON COLUMN metier_figures.growth_rate_suppressed IS 'Why growth_rate is null: disclosure control (fewer records than the threshold) or missing data; null when published.';
COMMENT ON COLUMN metier_figures.growth_rate_flag IS 'Publisher''s flag on the value of growth_rate (e.g. top_coded, not_available, or a Eurostat flag); null when none.';
COMMENT ON COLUMN metier_figures.growth_rate_override IS 'True when an editorial fact marked as an override set growth_rate instead of the computed value.';
COMMENT ON COLUMN metier_figures.insertion_rate_source IS 'Source id that gave insertion_rate (see meta_source_registry); the winner of reconciliation.';
COMMENT ON COLUMN metier_figures.insertion_rate_period IS 'Period insertion_rate refers to: a year, or first-last year when years are pooled.';
COMMENT ON COLUMN metier_figures.insertion_rate_source_files IS 'Raw files insertion_rate was computed or read from, relative to the raw folder.';
COMMENT ON COLUMN metier_figures.insertion_rate_n_records IS 'Number of records insertion_rate rests on (persons for register figures, leavers for insertion); null when withheld or for published aggregates.';
COMMENT ON COLUMN metier_figures.insertion_rate_suppressed IS 'Why insertion_rate is null: disclosure control (fewer records than the threshold) or missing data; null when published.';
COMMENT ON COLUMN metier_figures.insertion_rate_flag IS 'Publisher''s flag on the value of insertion_rate (e.g. top_coded, not_available, or a Eurostat flag); null when none.';
COMMENT ON COLUMN metier_figures.insertion_rate_override IS 'True when an editorial fact marked as an override set insertion_rate instead of the computed value.';
COMMENT ON COLUMN metier_figures.average_age_source IS 'Source id that gave average_age (see meta_source_registry); the winner of reconciliation.';
COMMENT ON COLUMN metier_figures.average_age_period IS 'Period average_age refers to: a year, or first-last year when years are pooled.';
COMMENT ON COLUMN metier_figures.average_age_source_files IS 'Raw files average_age was computed or read from, relative to the raw folder.';
COMMENT ON COLUMN metier_figures.average_age_n_records IS 'Number of records average_age rests on (persons for register figures, leavers for insertion); null when withheld or for published aggregates.';
COMMENT ON COLUMN metier_figures.average_age_suppressed IS 'Why average_age is null: disclosure control (fewer records than the threshold) or missing data; null when published.';
COMMENT ON COLUMN metier_figures.average_age_flag IS 'Publisher''s flag on the value of average_age (e.g. top_coded, not_available, or a Eurostat flag); null when none.';
COMMENT ON COLUMN metier_figures.average_age_override IS 'True when an editorial fact marked as an override set average_age instead of the computed value.';
COMMENT ON COLUMN metier_figures.share_women_source IS 'Source id that gave share_women (see meta_source_registry); the winner of reconciliation.';
COMMENT ON COLUMN metier_figures.share_women_period IS 'Period share_women refers to: a year, or first-last year when years are pooled.';
COMMENT ON COLUMN metier_figures.share_women_source_files IS 'Raw files share_women was computed or read from, relative to the raw folder.';
COMMENT ON COLUMN metier_figures.share_women_n_records IS 'Number of records share_women rests on (persons for register figures, leavers for insertion); null when withheld or for published aggregates.';
COMMENT ON COLUMN metier_figures.share_women_suppressed IS 'Why share_women is null: disclosure control (fewer records than the threshold) or missing data; null when published.';
COMMENT ON COLUMN metier_figures.share_women_flag IS 'Publisher''s flag on the value of share_women (e.g. top_coded, not_available, or a Eurostat flag); null when none.';
COMMENT ON COLUMN metier_figures.share_women_override IS 'True when an editorial fact marked as an override set share_women instead of the computed value.';
COMMENT ON COLUMN metier_figures.share_self_employed_source IS 'Source id that gave share_self_employed (see meta_source_registry); the winner of reconciliation.';
COMMENT ON COLUMN metier_figures.share_self_employed_period IS 'Period share_self_employed refers to: a year, or first-last year when years are pooled.';
COMMENT ON COLUMN metier_figures.share_self_employed_source_files IS 'Raw files share_self_employed was computed or read from, relative to the raw folder.';
COMMENT ON COLUMN metier_figures.share_self_employed_n_records IS 'Number of records share_self_employed rests on (persons for register figures, leavers for insertion); null when withheld or for published aggregates.';
COMMENT ON COLUMN metier_figures.share_self_employed_suppressed IS 'Why share_self_employed is null: disclosure control (fewer records than the threshold) or missing data; null when published.';
COMMENT ON COLUMN metier_figures.share_self_employed_flag IS 'Publisher''s flag on the value of share_self_employed (e.g. top_coded, not_available, or a Eurostat flag); null when none.';
COMMENT ON COLUMN metier_figures.share_self_employed_override IS 'True when an editorial fact marked as an override set share_self_employed instead of the computed value.';
COMMENT ON COLUMN metier_figures.salary_entry_source IS 'Source id that gave salary_entry (see meta_source_registry); the winner of reconciliation.';
COMMENT ON COLUMN metier_figures.salary_entry_period IS 'Period salary_entry refers to: a year, or first-last year when years are pooled.';
COMMENT ON COLUMN metier_figures.salary_entry_source_files IS 'Raw files salary_entry was computed or read from, relative to the raw folder.';
COMMENT ON COLUMN metier_figures.salary_entry_n_records IS 'Number of records salary_entry rests on (persons for register figures, leavers for insertion); null when withheld or for published aggregates.';
COMMENT ON COLUMN metier_figures.salary_entry_suppressed IS 'Why salary_entry is null: disclosure control (fewer records than the threshold) or missing data; null when published.';
COMMENT ON COLUMN metier_figures.salary_entry_flag IS 'Publisher''s flag on the value of salary_entry (e.g. top_coded, not_available, or a Eurostat flag); null when none.';
COMMENT ON COLUMN metier_figures.salary_entry_override IS 'True when an editorial fact marked as an override set salary_entry instead of the computed value.';
COMMENT ON COLUMN metier_figures.salary_senior_source IS 'Source id that gave salary_senior (see meta_source_registry); the winner of reconciliation.';
COMMENT ON COLUMN metier_figures.salary_senior_period IS 'Period salary_senior refers to: a year, or first-last year when years are pooled.';
COMMENT ON COLUMN metier_figures.salary_senior_source_files IS 'Raw files salary_senior was computed or read from, relative to the raw folder.';
COMMENT ON COLUMN metier_figures.salary_senior_n_records IS 'Number of records salary_senior rests on (persons for register figures, leavers for insertion); null when withheld or for published aggregates.';
COMMENT ON COLUMN metier_figures.salary_senior_suppressed IS 'Why salary_senior is null: disclosure control (fewer records than the threshold) or missing data; null when published.';
COMMENT ON COLUMN metier_figures.salary_senior_flag IS 'Publisher''s flag on the value of salary_senior (e.g. top_coded, not_available, or a Eurostat flag); null when none.';
COMMENT ON COLUMN metier_figures.salary_senior_override IS 'True when an editorial fact marked as an override set salary_senior instead of the computed value.';
COMMENT ON COLUMN metier_figures.freelance_rate_source IS 'Source id that gave freelance_rate (see meta_source_registry); the winner of reconciliation.';
COMMENT ON COLUMN metier_figures.freelance_rate_period IS 'Period freelance_rate refers to: a year, or first-last year when years are pooled.';
COMMENT ON COLUMN metier_figures.freelance_rate_source_files IS 'Raw files freelance_rate was computed or read from, relative to the raw folder.';
COMMENT ON COLUMN metier_figures.freelance_rate_n_records IS 'Number of records freelance_rate rests on (persons for register figures, leavers for insertion); null when withheld or for published aggregates.';
COMMENT ON COLUMN metier_figures.freelance_rate_suppressed IS 'Why freelance_rate is null: disclosure control (fewer records than the threshold) or missing data; null when published.';
COMMENT ON COLUMN metier_figures.freelance_rate_flag IS 'Publisher''s flag on the value of freelance_rate (e.g. top_coded, not_available, or a Eurostat flag); null when none.';
COMMENT ON COLUMN metier_figures.freelance_rate_override IS 'True when an editorial fact marked as an override set freelance_rate instead of the computed value.';
COMMENT ON COLUMN metier_figures.headcount_cv IS 'Coefficient of variation of headcount when computed from weighted register records (0 for a census; for wage quantiles, the distribution-free CV of the quantile); null otherwise or when withheld.';
COMMENT ON COLUMN metier_figures.headcount_reliability IS 'low (shown as "peu fiable" / "weinig betrouwbaar" / "low reliability") when headcount rests on fewer weighted records than meta_disclosure.reliable_min_records, its CV exceeds reliable_max_cv, or its publisher flags it unreliable (Eurostat u); reliable when a register figure passes; null when withheld or not assessed.';
COMMENT ON COLUMN metier_figures.growth_rate_cv IS 'Coefficient of variation of growth_rate when computed from weighted register records (0 for a census; for wage quantiles, the distribution-free CV of the quantile); null otherwise or when withheld.';
COMMENT ON COLUMN metier_figures.growth_rate_reliability IS 'low (shown as "peu fiable" / "weinig betrouwbaar" / "low reliability") when growth_rate rests on fewer weighted records than meta_disclosure.reliable_min_records, its CV exceeds reliable_max_cv, or its publisher flags it unreliable (Eurostat u); reliable when a register figure passes; null when withheld or not assessed.';
COMMENT ON COLUMN metier_figures.insertion_rate_cv IS 'Coefficient of variation of insertion_rate when computed from weighted register records (0 for a census; for wage quantiles, the distribution-free CV of the quantile); null otherwise or when withheld.';
COMMENT ON COLUMN metier_figures.insertion_rate_reliability IS 'low (shown as "peu fiable" / "weinig betrouwbaar" / "low reliability") when insertion_rate rests on fewer weighted records than meta_disclosure.reliable_min_records, its CV exceeds reliable_max_cv, or its publisher flags it unreliable (Eurostat u); reliable when a register figure passes; null when withheld or not assessed.';
COMMENT ON COLUMN metier_figures.average_age_cv IS 'Coefficient of variation of average_age when computed from weighted register records (0 for a census; for wage quantiles, the distribution-free CV of the quantile); null otherwise or when withheld.';
COMMENT ON COLUMN metier_figures.average_age_reliability IS 'low (shown as "peu fiable" / "weinig betrouwbaar" / "low reliability") when average_age rests on fewer weighted records than meta_disclosure.reliable_min_records, its CV exceeds reliable_max_cv, or its publisher flags it unreliable (Eurostat u); reliable when a register figure passes; null when withheld or not assessed.';
COMMENT ON COLUMN metier_figures.share_women_cv IS 'Coefficient of variation of share_women when computed from weighted register records (0 for a census; for wage quantiles, the distribution-free CV of the quantile); null otherwise or when withheld.';
COMMENT ON COLUMN metier_figures.share_women_reliability IS 'low (shown as "peu fiable" / "weinig betrouwbaar" / "low reliability") when share_women rests on fewer weighted records than meta_disclosure.reliable_min_records, its CV exceeds reliable_max_cv, or its publisher flags it unreliable (Eurostat u); reliable when a register figure passes; null when withheld or not assessed.';
COMMENT ON COLUMN metier_figures.share_self_employed_cv IS 'Coefficient of variation of share_self_employed when computed from weighted register records (0 for a census; for wage quantiles, the distribution-free CV of the quantile); null otherwise or when withheld.';
COMMENT ON COLUMN metier_figures.share_self_employed_reliability IS 'low (shown as "peu fiable" / "weinig betrouwbaar" / "low reliability") when share_self_employed rests on fewer weighted records than meta_disclosure.reliable_min_records, its CV exceeds reliable_max_cv, or its publisher flags it unreliable (Eurostat u); reliable when a register figure passes; null when withheld or not assessed.';
COMMENT ON COLUMN metier_figures.salary_entry_cv IS 'Coefficient of variation of salary_entry when computed from weighted register records (0 for a census; for wage quantiles, the distribution-free CV of the quantile); null otherwise or when withheld.';
COMMENT ON COLUMN metier_figures.salary_entry_reliability IS 'low (shown as "peu fiable" / "weinig betrouwbaar" / "low reliability") when salary_entry rests on fewer weighted records than meta_disclosure.reliable_min_records, its CV exceeds reliable_max_cv, or its publisher flags it unreliable (Eurostat u); reliable when a register figure passes; null when withheld or not assessed.';
COMMENT ON COLUMN metier_figures.salary_senior_cv IS 'Coefficient of variation of salary_senior when computed from weighted register records (0 for a census; for wage quantiles, the distribution-free CV of the quantile); null otherwise or when withheld.';
COMMENT ON COLUMN metier_figures.salary_senior_reliability IS 'low (shown as "peu fiable" / "weinig betrouwbaar" / "low reliability") when salary_senior rests on fewer weighted records than meta_disclosure.reliable_min_records, its CV exceeds reliable_max_cv, or its publisher flags it unreliable (Eurostat u); reliable when a register figure passes; null when withheld or not assessed.';
COMMENT ON COLUMN metier_figures.freelance_rate_cv IS 'Coefficient of variation of freelance_rate when computed from weighted register records (0 for a census; for wage quantiles, the distribution-free CV of the quantile); null otherwise or when withheld.';
COMMENT ON COLUMN metier_figures.freelance_rate_reliability IS 'low (shown as "peu fiable" / "weinig betrouwbaar" / "low reliability") when freelance_rate rests on fewer weighted records than meta_disclosure.reliable_min_records, its CV exceeds reliable_max_cv, or its publisher flags it unreliable (Eurostat u); reliable when a register figure passes; null when withheld or not assessed.';
