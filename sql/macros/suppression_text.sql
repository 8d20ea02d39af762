-- The English text of a suppression code with its parameters (JSON), as the `suppressed`
-- columns of metier_figures, the lineage, the candidates and metier_trend give it: the
-- wording of meta_suppression_reasons.mart with each {name} replaced by its parameter.
CREATE OR REPLACE MACRO macros.suppression_text(reason_code, reason_params) AS (
    SELECT list_reduce(
        list_prepend(reasons.mart, coalesce(json_keys(reason_params), [])),
        lambda text, name: replace(text, '{' || name || '}', reason_params ->> name)
    )
    FROM meta_suppression_reasons AS reasons
    WHERE reasons.code = reason_code
);
