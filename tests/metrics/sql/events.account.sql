SELECT
  "t6"."_period",
  "t6"."account_id",
  COUNT("t6"."account_id") FILTER(WHERE
    (
      "t6"."timestamp" < "t6"."w_trailing_30_hi_t"
    )
    AND (
      "t6"."timestamp" >= "t6"."w_trailing_30_lo_t"
    )) AS "events_30d",
  COUNT("t6"."account_id") FILTER(WHERE
    (
      "t6"."timestamp" < "t6"."w_trailing_30_30_hi_t"
    )
    AND (
      "t6"."timestamp" >= "t6"."w_trailing_30_30_lo_t"
    )) AS "events_prev_30d",
  COUNT(DISTINCT "t6"."event") FILTER(WHERE
    (
      "t6"."timestamp" < "t6"."w_trailing_30_hi_t"
    )
    AND (
      "t6"."timestamp" >= "t6"."w_trailing_30_lo_t"
    )
    AND COALESCE(
      "t6"."event" IN (
        'report_created',
        'report_shared',
        'dashboard_created',
        'alert_created',
        'integration_synced',
        'data_exported',
        'comment_added'
      ),
      FALSE
    )) AS "feature_breadth",
  MIN(CAST("t6"."timestamp" AS DATE)) FILTER(WHERE
    (
      "t6"."timestamp" < "t6"."w_to_date_hi_t"
    )
    AND COALESCE("t6"."event" IN ('integration_connected', 'first_report_created'), FALSE)) AS "first_value_day"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t4"."account_id",
      "t4"."event",
      "t4"."timestamp",
      "t4"."user_id",
      "t2"."_period",
      "t2"."_end_t",
      "t2"."w_to_date_lo",
      "t2"."w_to_date_hi",
      "t2"."w_to_date_lo_t",
      "t2"."w_to_date_hi_t",
      "t2"."w_trailing_30_lo",
      "t2"."w_trailing_30_hi",
      "t2"."w_trailing_30_lo_t",
      "t2"."w_trailing_30_hi_t",
      "t2"."w_trailing_30_30_lo",
      "t2"."w_trailing_30_30_hi",
      "t2"."w_trailing_30_30_lo_t",
      "t2"."w_trailing_30_30_hi_t"
    FROM (
      SELECT
        "t0"."account_id",
        "t0"."event",
        "t0"."timestamp",
        "t0"."user_id"
      FROM "events" AS "t0"
      WHERE
        (
          (
            "t0"."timestamp" < MAKE_TIMESTAMP(2026, 7, 1, 0, 0, 0.0)
          )
          AND (
            "t0"."timestamp" >= MAKE_TIMESTAMP(2026, 5, 2, 0, 0, 0.0)
          )
        )
        OR (
          (
            "t0"."timestamp" < MAKE_TIMESTAMP(2026, 6, 1, 0, 0, 0.0)
          )
          AND (
            "t0"."timestamp" >= MAKE_TIMESTAMP(2026, 4, 2, 0, 0, 0.0)
          )
        )
        OR (
          (
            "t0"."timestamp" < MAKE_TIMESTAMP(2026, 7, 1, 0, 0, 0.0)
          )
          AND (
            "t0"."timestamp" >= MAKE_TIMESTAMP(2026, 5, 2, 0, 0, 0.0)
          )
          AND COALESCE(
            "t0"."event" IN (
              'report_created',
              'report_shared',
              'dashboard_created',
              'alert_created',
              'integration_synced',
              'data_exported',
              'comment_added'
            ),
            FALSE
          )
        )
        OR (
          (
            "t0"."timestamp" < MAKE_TIMESTAMP(2026, 7, 1, 0, 0, 0.0)
          )
          AND COALESCE("t0"."event" IN ('integration_connected', 'first_report_created'), FALSE)
        )
    ) AS "t4"
    CROSS JOIN "periods" AS "t2"
  ) AS "t5"
  WHERE
    (
      (
        "t5"."timestamp" < "t5"."w_trailing_30_hi_t"
      )
      AND (
        "t5"."timestamp" >= "t5"."w_trailing_30_lo_t"
      )
    )
    OR (
      (
        "t5"."timestamp" < "t5"."w_trailing_30_30_hi_t"
      )
      AND (
        "t5"."timestamp" >= "t5"."w_trailing_30_30_lo_t"
      )
    )
    OR (
      (
        "t5"."timestamp" < "t5"."w_trailing_30_hi_t"
      )
      AND (
        "t5"."timestamp" >= "t5"."w_trailing_30_lo_t"
      )
    )
    OR (
      "t5"."timestamp" < "t5"."w_to_date_hi_t"
    )
) AS "t6"
GROUP BY
  1,
  2
