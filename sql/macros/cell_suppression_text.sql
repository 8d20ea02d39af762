-- The English text of a suppression code with its parameters (JSON) in the tables whose
-- cells also have secondary suppression (metier_regions, metier_salaries): the wording of
-- meta_suppression_reasons.mart_cell, which names the rule first.
CREATE OR REPLACE MACRO macros.cell_suppression_text(reason_code, reason_params) AS (
    SELECT list_reduce(
        list_prepend(reasons.mart_cell, coalesce(json_keys(reason_params), [])),
        lambda text, name: replace(text, '{' || name || '}', reason_params ->> name)
    )
    FROM meta_suppression_reasons AS reasons
    WHERE reasons.code = reason_code
);
