SELECT
  "t6"."_period",
  "t6"."account_id",
  COUNT("t6"."account_id") FILTER(WHERE
    (
      "t6"."responded_at" < "t6"."w_trailing_metrics_nps_window_days_hi_t"
    )
    AND (
      "t6"."responded_at" >= "t6"."w_trailing_metrics_nps_window_days_lo_t"
    )
    AND COALESCE("t6"."survey" = 'nps', FALSE)) AS "nps_responses",
  COUNT("t6"."account_id") FILTER(WHERE
    (
      "t6"."responded_at" < "t6"."w_trailing_metrics_nps_window_days_hi_t"
    )
    AND (
      "t6"."responded_at" >= "t6"."w_trailing_metrics_nps_window_days_lo_t"
    )
    AND COALESCE((
      "t6"."survey" = 'nps'
    ) AND (
      "t6"."score" >= 9
    ), FALSE)) AS "nps_promoters",
  COUNT("t6"."account_id") FILTER(WHERE
    (
      "t6"."responded_at" < "t6"."w_trailing_metrics_nps_window_days_hi_t"
    )
    AND (
      "t6"."responded_at" >= "t6"."w_trailing_metrics_nps_window_days_lo_t"
    )
    AND COALESCE(
      (
        "t6"."survey" = 'nps'
      )
      AND (
        "t6"."score" >= 7
      )
      AND (
        "t6"."score" <= 8
      ),
      FALSE
    )) AS "nps_passives",
  COUNT("t6"."account_id") FILTER(WHERE
    (
      "t6"."responded_at" < "t6"."w_trailing_metrics_nps_window_days_hi_t"
    )
    AND (
      "t6"."responded_at" >= "t6"."w_trailing_metrics_nps_window_days_lo_t"
    )
    AND COALESCE((
      "t6"."survey" = 'nps'
    ) AND (
      "t6"."score" <= 6
    ), FALSE)) AS "nps_detractors",
  FIRST("t6"."score" ORDER BY "t6"."responded_at" DESC) FILTER(WHERE
    (
      "t6"."responded_at" < "t6"."w_to_date_hi_t"
    )
    AND COALESCE("t6"."survey" = 'nps', FALSE)) AS "nps_latest",
  FIRST("t6"."score" ORDER BY "t6"."responded_at" DESC) FILTER(WHERE
    (
      "t6"."responded_at" < "t6"."w_to_date_hi_t"
    )
    AND COALESCE("t6"."survey" = 'csat', FALSE)) AS "csat_latest",
  COUNT("t6"."account_id") FILTER(WHERE
    (
      "t6"."responded_at" < "t6"."w_trailing_metrics_csat_window_days_hi_t"
    )
    AND (
      "t6"."responded_at" >= "t6"."w_trailing_metrics_csat_window_days_lo_t"
    )
    AND COALESCE("t6"."survey" = 'csat', FALSE)) AS "csat_responses",
  COUNT("t6"."account_id") FILTER(WHERE
    (
      "t6"."responded_at" < "t6"."w_trailing_metrics_csat_window_days_hi_t"
    )
    AND (
      "t6"."responded_at" >= "t6"."w_trailing_metrics_csat_window_days_lo_t"
    )
    AND COALESCE((
      "t6"."survey" = 'csat'
    ) AND (
      "t6"."score" >= 4
    ), FALSE)) AS "csat_satisfied",
  COUNT("t6"."account_id") FILTER(WHERE
    (
      "t6"."responded_at" < "t6"."w_trailing_metrics_ces_window_days_hi_t"
    )
    AND (
      "t6"."responded_at" >= "t6"."w_trailing_metrics_ces_window_days_lo_t"
    )
    AND COALESCE("t6"."survey" = 'ces', FALSE)) AS "ces_responses",
  AVG("t6"."score") FILTER(WHERE
    (
      "t6"."responded_at" < "t6"."w_trailing_metrics_ces_window_days_hi_t"
    )
    AND (
      "t6"."responded_at" >= "t6"."w_trailing_metrics_ces_window_days_lo_t"
    )
    AND COALESCE("t6"."survey" = 'ces', FALSE)) AS "ces"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t4"."account_id",
      "t4"."survey",
      "t4"."score",
      "t4"."responded_at",
      "t4"."contact_id",
      "t2"."_period",
      "t2"."_end_t",
      "t2"."w_to_date_lo",
      "t2"."w_to_date_hi",
      "t2"."w_to_date_lo_t",
      "t2"."w_to_date_hi_t",
      "t2"."w_trailing_metrics_ces_window_days_lo",
      "t2"."w_trailing_metrics_ces_window_days_hi",
      "t2"."w_trailing_metrics_ces_window_days_lo_t",
      "t2"."w_trailing_metrics_ces_window_days_hi_t",
      "t2"."w_trailing_metrics_csat_window_days_lo",
      "t2"."w_trailing_metrics_csat_window_days_hi",
      "t2"."w_trailing_metrics_csat_window_days_lo_t",
      "t2"."w_trailing_metrics_csat_window_days_hi_t",
      "t2"."w_trailing_metrics_nps_window_days_lo",
      "t2"."w_trailing_metrics_nps_window_days_hi",
      "t2"."w_trailing_metrics_nps_window_days_lo_t",
      "t2"."w_trailing_metrics_nps_window_days_hi_t"
    FROM (
      SELECT
        "t0"."account_id",
        "t0"."survey",
        "t0"."score",
        "t0"."responded_at",
        "t0"."contact_id"
      FROM "survey_responses" AS "t0"
      WHERE
        (
          (
            "t0"."responded_at" < MAKE_TIMESTAMP(2026, 7, 1, 0, 0, 0.0)
          )
          AND (
            "t0"."responded_at" >= MAKE_TIMESTAMP(2025, 12, 3, 0, 0, 0.0)
          )
          AND COALESCE("t0"."survey" = 'nps', FALSE)
        )
        OR (
          (
            "t0"."responded_at" < MAKE_TIMESTAMP(2026, 7, 1, 0, 0, 0.0)
          )
          AND (
            "t0"."responded_at" >= MAKE_TIMESTAMP(2025, 12, 3, 0, 0, 0.0)
          )
          AND COALESCE((
            "t0"."survey" = 'nps'
          ) AND (
            "t0"."score" >= 9
          ), FALSE)
        )
        OR (
          (
            "t0"."responded_at" < MAKE_TIMESTAMP(2026, 7, 1, 0, 0, 0.0)
          )
          AND (
            "t0"."responded_at" >= MAKE_TIMESTAMP(2025, 12, 3, 0, 0, 0.0)
          )
          AND COALESCE(
            (
              "t0"."survey" = 'nps'
            )
            AND (
              "t0"."score" >= 7
            )
            AND (
              "t0"."score" <= 8
            ),
            FALSE
          )
        )
        OR (
          (
            "t0"."responded_at" < MAKE_TIMESTAMP(2026, 7, 1, 0, 0, 0.0)
          )
          AND (
            "t0"."responded_at" >= MAKE_TIMESTAMP(2025, 12, 3, 0, 0, 0.0)
          )
          AND COALESCE((
            "t0"."survey" = 'nps'
          ) AND (
            "t0"."score" <= 6
          ), FALSE)
        )
        OR (
          (
            "t0"."responded_at" < MAKE_TIMESTAMP(2026, 7, 1, 0, 0, 0.0)
          )
          AND COALESCE("t0"."survey" = 'nps', FALSE)
        )
        OR (
          (
            "t0"."responded_at" < MAKE_TIMESTAMP(2026, 7, 1, 0, 0, 0.0)
          )
          AND COALESCE("t0"."survey" = 'csat', FALSE)
        )
        OR (
          (
            "t0"."responded_at" < MAKE_TIMESTAMP(2026, 7, 1, 0, 0, 0.0)
          )
          AND (
            "t0"."responded_at" >= MAKE_TIMESTAMP(2026, 3, 3, 0, 0, 0.0)
          )
          AND COALESCE("t0"."survey" = 'csat', FALSE)
        )
        OR (
          (
            "t0"."responded_at" < MAKE_TIMESTAMP(2026, 7, 1, 0, 0, 0.0)
          )
          AND (
            "t0"."responded_at" >= MAKE_TIMESTAMP(2026, 3, 3, 0, 0, 0.0)
          )
          AND COALESCE((
            "t0"."survey" = 'csat'
          ) AND (
            "t0"."score" >= 4
          ), FALSE)
        )
        OR (
          (
            "t0"."responded_at" < MAKE_TIMESTAMP(2026, 7, 1, 0, 0, 0.0)
          )
          AND (
            "t0"."responded_at" >= MAKE_TIMESTAMP(2026, 3, 3, 0, 0, 0.0)
          )
          AND COALESCE("t0"."survey" = 'ces', FALSE)
        )
        OR (
          (
            "t0"."responded_at" < MAKE_TIMESTAMP(2026, 7, 1, 0, 0, 0.0)
          )
          AND (
            "t0"."responded_at" >= MAKE_TIMESTAMP(2026, 3, 3, 0, 0, 0.0)
          )
          AND COALESCE("t0"."survey" = 'ces', FALSE)
        )
    ) AS "t4"
    CROSS JOIN "periods" AS "t2"
  ) AS "t5"
  WHERE
    (
      (
        "t5"."responded_at" < "t5"."w_trailing_metrics_nps_window_days_hi_t"
      )
      AND (
        "t5"."responded_at" >= "t5"."w_trailing_metrics_nps_window_days_lo_t"
      )
    )
    OR (
      (
        "t5"."responded_at" < "t5"."w_trailing_metrics_nps_window_days_hi_t"
      )
      AND (
        "t5"."responded_at" >= "t5"."w_trailing_metrics_nps_window_days_lo_t"
      )
    )
    OR (
      (
        "t5"."responded_at" < "t5"."w_trailing_metrics_nps_window_days_hi_t"
      )
      AND (
        "t5"."responded_at" >= "t5"."w_trailing_metrics_nps_window_days_lo_t"
      )
    )
    OR (
      (
        "t5"."responded_at" < "t5"."w_trailing_metrics_nps_window_days_hi_t"
      )
      AND (
        "t5"."responded_at" >= "t5"."w_trailing_metrics_nps_window_days_lo_t"
      )
    )
    OR (
      "t5"."responded_at" < "t5"."w_to_date_hi_t"
    )
    OR (
      "t5"."responded_at" < "t5"."w_to_date_hi_t"
    )
    OR (
      (
        "t5"."responded_at" < "t5"."w_trailing_metrics_csat_window_days_hi_t"
      )
      AND (
        "t5"."responded_at" >= "t5"."w_trailing_metrics_csat_window_days_lo_t"
      )
    )
    OR (
      (
        "t5"."responded_at" < "t5"."w_trailing_metrics_csat_window_days_hi_t"
      )
      AND (
        "t5"."responded_at" >= "t5"."w_trailing_metrics_csat_window_days_lo_t"
      )
    )
    OR (
      (
        "t5"."responded_at" < "t5"."w_trailing_metrics_ces_window_days_hi_t"
      )
      AND (
        "t5"."responded_at" >= "t5"."w_trailing_metrics_ces_window_days_lo_t"
      )
    )
    OR (
      (
        "t5"."responded_at" < "t5"."w_trailing_metrics_ces_window_days_hi_t"
      )
      AND (
        "t5"."responded_at" >= "t5"."w_trailing_metrics_ces_window_days_lo_t"
      )
    )
) AS "t6"
GROUP BY
  1,
  2
