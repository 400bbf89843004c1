SELECT
  "t6"."_period",
  "t6"."account_id",
  MAX(CAST("t6"."occurred_at" AS DATE)) FILTER(WHERE
    (
      "t6"."occurred_at" < "t6"."w_to_date_hi_t"
    )
    AND COALESCE(
      "t6"."kind" IN ('call', 'email', 'meeting', 'qbr')
      AND NOT (
        COALESCE("t6"."actor" IN ('automation'), FALSE)
      ),
      FALSE
    )) AS "last_touchpoint_day",
  COUNT("t6"."account_id") FILTER(WHERE
    (
      "t6"."occurred_at" < "t6"."w_trailing_90_hi_t"
    )
    AND (
      "t6"."occurred_at" >= "t6"."w_trailing_90_lo_t"
    )
    AND COALESCE("t6"."kind" IN ('webinar', 'training', 'community'), FALSE)) AS "program_activities_90d"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t4"."account_id",
      "t4"."kind",
      "t4"."occurred_at",
      "t4"."actor",
      "t2"."_period",
      "t2"."_end_t",
      "t2"."w_to_date_lo",
      "t2"."w_to_date_hi",
      "t2"."w_to_date_lo_t",
      "t2"."w_to_date_hi_t",
      "t2"."w_trailing_90_lo",
      "t2"."w_trailing_90_hi",
      "t2"."w_trailing_90_lo_t",
      "t2"."w_trailing_90_hi_t"
    FROM (
      SELECT
        "t0"."account_id",
        "t0"."kind",
        "t0"."occurred_at",
        "t0"."actor"
      FROM "activities" AS "t0"
      WHERE
        (
          (
            "t0"."occurred_at" < MAKE_TIMESTAMP(2026, 7, 1, 0, 0, 0.0)
          )
          AND COALESCE(
            "t0"."kind" IN ('call', 'email', 'meeting', 'qbr')
            AND NOT (
              COALESCE("t0"."actor" IN ('automation'), FALSE)
            ),
            FALSE
          )
        )
        OR (
          (
            "t0"."occurred_at" < MAKE_TIMESTAMP(2026, 7, 1, 0, 0, 0.0)
          )
          AND (
            "t0"."occurred_at" >= MAKE_TIMESTAMP(2026, 3, 3, 0, 0, 0.0)
          )
          AND COALESCE("t0"."kind" IN ('webinar', 'training', 'community'), FALSE)
        )
    ) AS "t4"
    CROSS JOIN "periods" AS "t2"
  ) AS "t5"
  WHERE
    (
      "t5"."occurred_at" < "t5"."w_to_date_hi_t"
    )
    OR (
      (
        "t5"."occurred_at" < "t5"."w_trailing_90_hi_t"
      )
      AND (
        "t5"."occurred_at" >= "t5"."w_trailing_90_lo_t"
      )
    )
) AS "t6"
GROUP BY
  1,
  2
