-- The analysts' and the site's main table: one row per métier and reference year, every
-- figure with the source that won reconciliation, its period, source files, record count,
-- publisher flag, whether an editorial override set it and, when it is withheld, why.
-- Pivoted from the long form (int_figures_reconciled) on the figure registry
-- (meta_figure_registry): a value column per indicator, then `<figure>_<what>` columns per
-- figure. The `{{ ... }}` lists and comments are rendered from metiers/methodology/figures.py.
CREATE OR REPLACE TABLE metier_figures AS
WITH grid AS (
    -- every métier with every declared indicator, so every column exists for every métier
    SELECT metiers.slug, registry.*
    FROM intermediate.int_metiers AS metiers
    CROSS JOIN meta_figure_registry AS registry
),
long_values AS (
    SELECT grid.slug, grid.indicator, figures.value
    FROM grid
    LEFT JOIN intermediate.int_figures_reconciled AS figures USING (slug, indicator)
),
figure_values AS (
    PIVOT long_values ON indicator IN ({{ indicators }}) USING max(value) GROUP BY slug
),
overrides AS (
    SELECT slug, figure, bool_or(override) AS override
    FROM intermediate.int_figures_reconciled
    GROUP BY slug, figure
),
figure_rows AS MATERIALIZED (
    -- one row per métier and figure: the lineage of its lead indicator, why it is null,
    -- and its reliability (a CV only when the source that computes it won); two PIVOTs
    -- read it, so it is computed once
    SELECT
        grid.slug,
        grid.figure,
        coalesce(lead.source_id, grid.source_id) AS source,
        lead.period,
        lead.source_files,
        lead.n_records,
        macros.suppression_text(reason.code, reason.params) AS suppressed,
        reason.code AS suppression_code,
        reason.params AS suppression_params,
        lead.flag,
        coalesce(overrides.override, false) AS override,
        lead.match_level,
        lead.match_group,
        CASE
            WHEN lead.value IS NOT NULL AND lead.source_id = grid.source_id THEN reliability.cv
        END AS cv,
        CASE
            WHEN lead.value IS NULL THEN NULL
            WHEN macros.eurostat_unreliable(lead.flag) THEN 'low'
            WHEN lead.source_id = grid.source_id THEN reliability.reliability
        END AS reliability
    FROM grid
    LEFT JOIN intermediate.int_figures_reconciled AS lead
        ON lead.slug = grid.slug AND lead.indicator = grid.indicator
    LEFT JOIN overrides ON overrides.slug = grid.slug AND overrides.figure = grid.figure
    LEFT JOIN intermediate.int_register_reliability AS reliability
        ON reliability.slug = grid.slug AND reliability.indicator = grid.indicator
    CROSS JOIN LATERAL (
        -- why it is null: the rule that withheld it, else why no value exists
        SELECT
            CASE
                WHEN lead.value IS NOT NULL THEN NULL
                WHEN lead.suppression_code IS NOT NULL THEN lead.suppression_code
                WHEN list_contains(getvariable('excluded_sources'), grid.source_id)
                    THEN 'excluded_source'
                ELSE 'no_data'
            END AS code,
            CASE
                WHEN lead.value IS NOT NULL THEN NULL
                WHEN lead.suppression_code IS NOT NULL THEN lead.suppression_params
                ELSE json_object('source', grid.source_id)
            END AS params
    ) AS reason
    WHERE grid.lead
),
lineage AS (
    PIVOT figure_rows ON figure IN ({{ figures }})
    USING
        max(source) AS source,
        max(period) AS period,
        max(source_files) AS source_files,
        max(n_records) AS n_records,
        max(suppressed) AS suppressed,
        max(suppression_code) AS suppression_code,
        max(suppression_params) AS suppression_params,
        max(flag) AS flag,
        bool_or(override) AS override,
        max(match_level) AS match_level,
        max(match_group) AS match_group
    GROUP BY slug
),
reliability AS (
    PIVOT figure_rows ON figure IN ({{ figures }})
    USING max(cv) AS cv, max(reliability) AS reliability
    GROUP BY slug
),
freelance AS (
    SELECT
        slug,
        unit,
        source AS citation,
        source_url AS citation_url,
        coalesce(nullif(source_fr, ''), source) AS citation_fr,
        coalesce(nullif(source_nl, ''), source) AS citation_nl,
        coalesce(nullif(source_en, ''), source) AS citation_en
    FROM intermediate.int_freelance_rates
)
SELECT
    metiers.slug,
    reference.reference_year,
    metiers.title_fr,
    metiers.title_nl,
    metiers.title_en,
    metiers.esco_code,
    figure_values.* EXCLUDE (slug),
    insertion.main_channel AS insertion_main_channel,
    freelance.unit AS freelance_rate_unit,
    freelance.citation AS freelance_rate_citation,
    freelance.citation_url AS freelance_rate_citation_url,
    freelance.citation_fr AS freelance_rate_citation_fr,
    freelance.citation_nl AS freelance_rate_citation_nl,
    freelance.citation_en AS freelance_rate_citation_en,
    metiers.training_years_min,
    metiers.training_years_max,
    metiers.training_plus_experience,
    'metiers' AS training_source,
    lineage.headcount_n_records AS n_records,
    lineage.* EXCLUDE (slug),
    reliability.* EXCLUDE (slug)
FROM intermediate.int_metiers AS metiers
CROSS JOIN intermediate.int_reference_year AS reference
LEFT JOIN figure_values USING (slug)
LEFT JOIN lineage USING (slug)
LEFT JOIN reliability USING (slug)
LEFT JOIN intermediate.int_insertion AS insertion USING (slug)
LEFT JOIN freelance USING (slug)
ORDER BY metiers.slug;

COMMENT ON TABLE metier_figures IS 'One row per métier and reference year: the figures of the card, each with the source that won reconciliation, its period, record count and suppression reason. Rates are fractions, money in euros per month (gross, full-time equivalent), ages in years.';
COMMENT ON COLUMN metier_figures.slug IS 'Identifier of the métier on the site (from the catalogue).';
COMMENT ON COLUMN metier_figures.reference_year IS 'Reference year Y: the latest year present in the register.';
COMMENT ON COLUMN metier_figures.title_fr IS 'Title of the métier in French (catalogue, else the ESCO preferred label).';
COMMENT ON COLUMN metier_figures.title_nl IS 'Title of the métier in Dutch (catalogue, else the ESCO preferred label).';
COMMENT ON COLUMN metier_figures.title_en IS 'Title of the métier in English (catalogue, else the ESCO preferred label).';
COMMENT ON COLUMN metier_figures.esco_code IS 'ESCO code (2654.2) or ISCO-08 unit group (2654) of the métier; a record belongs to the métier when its occupation code equals it or starts with it followed by ''.''.';
COMMENT ON COLUMN metier_figures.insertion_main_channel IS 'Channel through which most leavers of the cohorts used found work (network, internship, job_board, public_employment_service, temp_agency, spontaneous_application).';
COMMENT ON COLUMN metier_figures.freelance_rate_unit IS 'Unit of the freelance rate: eur_per_week, eur_per_day or eur_per_hour.';
COMMENT ON COLUMN metier_figures.freelance_rate_citation IS 'Who published the freelance rate (editorial source).';
COMMENT ON COLUMN metier_figures.freelance_rate_citation_url IS 'Where the freelance rate was published.';
COMMENT ON COLUMN metier_figures.freelance_rate_citation_fr IS 'Who published the freelance rate, as a French card cites it (the facts row''s source_fr, else its source).';
COMMENT ON COLUMN metier_figures.freelance_rate_citation_nl IS 'Who published the freelance rate, as a Dutch card cites it (the facts row''s source_nl, else its source).';
COMMENT ON COLUMN metier_figures.freelance_rate_citation_en IS 'Who published the freelance rate, as an English card cites it (the facts row''s source_en, else its source).';
COMMENT ON COLUMN metier_figures.training_years_min IS 'Shortest usual training, in years (catalogue).';
COMMENT ON COLUMN metier_figures.training_years_max IS 'Longest usual training, in years (catalogue).';
COMMENT ON COLUMN metier_figures.training_plus_experience IS 'True when professional experience is expected on top of the training.';
COMMENT ON COLUMN metier_figures.training_source IS 'Source id of the training figures: the catalogue.';
COMMENT ON COLUMN metier_figures.n_records IS 'Unweighted number of register records of the métier in Y; null when withheld by disclosure control.';
{{ metier_figures_comments }}
