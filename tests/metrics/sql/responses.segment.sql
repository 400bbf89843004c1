SELECT
  "t37"."_period",
  "t37"."segment",
  COUNT("t37"."account_id") FILTER(WHERE
    (
      "t37"."responded_at" < "t37"."w_trailing_metrics_nps_window_days_hi_t"
    )
    AND (
      "t37"."responded_at" >= "t37"."w_trailing_metrics_nps_window_days_lo_t"
    )
    AND COALESCE("t37"."survey" = 'nps', FALSE)) AS "nps_responses",
  COUNT("t37"."account_id") FILTER(WHERE
    (
      "t37"."responded_at" < "t37"."w_trailing_metrics_nps_window_days_hi_t"
    )
    AND (
      "t37"."responded_at" >= "t37"."w_trailing_metrics_nps_window_days_lo_t"
    )
    AND COALESCE((
      "t37"."survey" = 'nps'
    ) AND (
      "t37"."score" >= 9
    ), FALSE)) AS "nps_promoters",
  COUNT("t37"."account_id") FILTER(WHERE
    (
      "t37"."responded_at" < "t37"."w_trailing_metrics_nps_window_days_hi_t"
    )
    AND (
      "t37"."responded_at" >= "t37"."w_trailing_metrics_nps_window_days_lo_t"
    )
    AND COALESCE(
      (
        "t37"."survey" = 'nps'
      )
      AND (
        "t37"."score" >= 7
      )
      AND (
        "t37"."score" <= 8
      ),
      FALSE
    )) AS "nps_passives",
  COUNT("t37"."account_id") FILTER(WHERE
    (
      "t37"."responded_at" < "t37"."w_trailing_metrics_nps_window_days_hi_t"
    )
    AND (
      "t37"."responded_at" >= "t37"."w_trailing_metrics_nps_window_days_lo_t"
    )
    AND COALESCE((
      "t37"."survey" = 'nps'
    ) AND (
      "t37"."score" <= 6
    ), FALSE)) AS "nps_detractors",
  FIRST("t37"."score" ORDER BY "t37"."responded_at" DESC) FILTER(WHERE
    (
      "t37"."responded_at" < "t37"."w_to_date_hi_t"
    )
    AND COALESCE("t37"."survey" = 'nps', FALSE)) AS "nps_latest",
  FIRST("t37"."score" ORDER BY "t37"."responded_at" DESC) FILTER(WHERE
    (
      "t37"."responded_at" < "t37"."w_to_date_hi_t"
    )
    AND COALESCE("t37"."survey" = 'csat', FALSE)) AS "csat_latest",
  COUNT("t37"."account_id") FILTER(WHERE
    (
      "t37"."responded_at" < "t37"."w_trailing_metrics_csat_window_days_hi_t"
    )
    AND (
      "t37"."responded_at" >= "t37"."w_trailing_metrics_csat_window_days_lo_t"
    )
    AND COALESCE("t37"."survey" = 'csat', FALSE)) AS "csat_responses",
  COUNT("t37"."account_id") FILTER(WHERE
    (
      "t37"."responded_at" < "t37"."w_trailing_metrics_csat_window_days_hi_t"
    )
    AND (
      "t37"."responded_at" >= "t37"."w_trailing_metrics_csat_window_days_lo_t"
    )
    AND COALESCE((
      "t37"."survey" = 'csat'
    ) AND (
      "t37"."score" >= 4
    ), FALSE)) AS "csat_satisfied",
  COUNT("t37"."account_id") FILTER(WHERE
    (
      "t37"."responded_at" < "t37"."w_trailing_metrics_ces_window_days_hi_t"
    )
    AND (
      "t37"."responded_at" >= "t37"."w_trailing_metrics_ces_window_days_lo_t"
    )
    AND COALESCE("t37"."survey" = 'ces', FALSE)) AS "ces_responses",
  AVG("t37"."score") FILTER(WHERE
    (
      "t37"."responded_at" < "t37"."w_trailing_metrics_ces_window_days_hi_t"
    )
    AND (
      "t37"."responded_at" >= "t37"."w_trailing_metrics_ces_window_days_lo_t"
    )
    AND COALESCE("t37"."survey" = 'ces', FALSE)) AS "ces"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t25"."account_id",
      "t25"."survey",
      "t25"."score",
      "t25"."responded_at",
      "t25"."contact_id",
      "t35"."account_id" AS "account_id_right",
      "t35"."segment",
      "t4"."_period",
      "t4"."_end_t",
      "t4"."w_to_date_lo",
      "t4"."w_to_date_hi",
      "t4"."w_to_date_lo_t",
      "t4"."w_to_date_hi_t",
      "t4"."w_trailing_metrics_ces_window_days_lo",
      "t4"."w_trailing_metrics_ces_window_days_hi",
      "t4"."w_trailing_metrics_ces_window_days_lo_t",
      "t4"."w_trailing_metrics_ces_window_days_hi_t",
      "t4"."w_trailing_metrics_csat_window_days_lo",
      "t4"."w_trailing_metrics_csat_window_days_hi",
      "t4"."w_trailing_metrics_csat_window_days_lo_t",
      "t4"."w_trailing_metrics_csat_window_days_hi_t",
      "t4"."w_trailing_metrics_nps_window_days_lo",
      "t4"."w_trailing_metrics_nps_window_days_hi",
      "t4"."w_trailing_metrics_nps_window_days_lo_t",
      "t4"."w_trailing_metrics_nps_window_days_hi_t"
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
    ) AS "t25"
    LEFT OUTER JOIN (
      SELECT
        "t33"."account_id",
        "t33"."segment"
      FROM (
        SELECT
          "t13"."account_id",
          "t8"."segment",
          "t8"."industry",
          "t8"."country",
          "t8"."owner",
          "t21"."plan",
          "t22"."product",
          "t32"."cohort"
        FROM (
          SELECT
            *
          FROM (
            SELECT
              "t2"."account_id"
            FROM "accounts" AS "t2"
          ) AS "t5"
          UNION
          SELECT
            *
          FROM (
            SELECT
              "t3"."account_id"
            FROM "subscriptions" AS "t3"
          ) AS "t7"
        ) AS "t13"
        LEFT OUTER JOIN (
          SELECT
            "t2"."account_id",
            "t2"."segment",
            "t2"."industry",
            "t2"."country",
            "t2"."owner"
          FROM "accounts" AS "t2"
        ) AS "t8"
          ON "t13"."account_id" = "t8"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t16"."account_id",
            "t16"."plan"
          FROM (
            SELECT
              "t10"."account_id",
              "t10"."subscription_id",
              "t10"."valid_from",
              "t10"."valid_until",
              "t10"."mrr",
              "t10"."seats",
              "t10"."plan",
              "t10"."product",
              "t10"."renewal_date",
              ROW_NUMBER() OVER (
                PARTITION BY "t10"."account_id"
                ORDER BY "t10"."valid_from" DESC, "t10"."mrr" DESC, "t10"."subscription_id" ASC
                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
              ) - 1 AS "_rank"
            FROM (
              SELECT
                "t3"."account_id",
                "t3"."subscription_id",
                "t3"."valid_from",
                "t3"."valid_to" AS "valid_until",
                COALESCE("t3"."mrr", 0.0) AS "mrr",
                "t3"."seats",
                "t3"."plan",
                "t3"."product",
                "t3"."renewal_date"
              FROM "subscriptions" AS "t3"
              WHERE
                "t3"."valid_from" <= MAKE_DATE(2026, 6, 30) AND "t3"."plan" IS NOT NULL
            ) AS "t10"
          ) AS "t16"
          WHERE
            "t16"."_rank" = 0
        ) AS "t21"
          ON "t13"."account_id" = "t21"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t17"."account_id",
            "t17"."product"
          FROM (
            SELECT
              "t11"."account_id",
              "t11"."subscription_id",
              "t11"."valid_from",
              "t11"."valid_until",
              "t11"."mrr",
              "t11"."seats",
              "t11"."plan",
              "t11"."product",
              "t11"."renewal_date",
              ROW_NUMBER() OVER (
                PARTITION BY "t11"."account_id"
                ORDER BY "t11"."valid_from" DESC, "t11"."mrr" DESC, "t11"."subscription_id" ASC
                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
              ) - 1 AS "_rank"
            FROM (
              SELECT
                "t3"."account_id",
                "t3"."subscription_id",
                "t3"."valid_from",
                "t3"."valid_to" AS "valid_until",
                COALESCE("t3"."mrr", 0.0) AS "mrr",
                "t3"."seats",
                "t3"."plan",
                "t3"."product",
                "t3"."renewal_date"
              FROM "subscriptions" AS "t3"
              WHERE
                "t3"."valid_from" <= MAKE_DATE(2026, 6, 30)
            ) AS "t11"
          ) AS "t17"
          WHERE
            "t17"."_rank" = 0
        ) AS "t22"
          ON "t13"."account_id" = "t22"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t30"."account_id",
            DATE_TRUNC('MONTH', MIN("t30"."day")) AS "cohort"
          FROM (
            SELECT
              "t29"."account_id",
              "t29"."day",
              "t29"."kind",
              "t29"."amount"
            FROM (
              SELECT
                "t28"."account_id",
                "t28"."day",
                "t28"."delta",
                "t28"."cur",
                "t28"."prev",
                "t28"."paid",
                "t28"."paid_before",
                CASE
                  WHEN (
                    "t28"."prev" <= 0
                  )
                  AND (
                    "t28"."cur" > 0
                  )
                  AND (
                    "t28"."paid_before" > 0
                  )
                  THEN 'reactivation'
                  WHEN (
                    "t28"."prev" <= 0
                  ) AND (
                    "t28"."cur" > 0
                  )
                  THEN 'new'
                  WHEN (
                    "t28"."prev" > 0
                  ) AND (
                    "t28"."cur" <= 0
                  )
                  THEN 'churn'
                  WHEN (
                    "t28"."prev" > 0
                  ) AND (
                    "t28"."cur" > "t28"."prev"
                  )
                  THEN 'expansion'
                  WHEN (
                    "t28"."prev" > 0
                  ) AND (
                    "t28"."cur" < "t28"."prev"
                  )
                  THEN 'contraction'
                  ELSE CAST(NULL AS TEXT)
                END AS "kind",
                CASE
                  WHEN (
                    "t28"."prev" <= 0
                  ) AND (
                    "t28"."cur" > 0
                  )
                  THEN "t28"."cur"
                  WHEN (
                    "t28"."prev" > 0
                  ) AND (
                    "t28"."cur" <= 0
                  )
                  THEN "t28"."prev"
                  ELSE ABS("t28"."cur" - "t28"."prev")
                END AS "amount"
              FROM (
                SELECT
                  "t27"."account_id",
                  "t27"."day",
                  "t27"."delta",
                  "t27"."cur",
                  "t27"."prev",
                  "t27"."paid",
                  SUM("t27"."paid") OVER (
                    PARTITION BY "t27"."account_id"
                    ORDER BY "t27"."day" ASC
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                  ) - "t27"."paid" AS "paid_before"
                FROM (
                  SELECT
                    "t26"."account_id",
                    "t26"."day",
                    "t26"."delta",
                    "t26"."cur",
                    COALESCE(
                      LAG("t26"."cur") OVER (
                        PARTITION BY "t26"."account_id"
                        ORDER BY "t26"."day" ASC
                        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                      ),
                      0.0
                    ) AS "prev",
                    CASE WHEN "t26"."cur" > 0 THEN 1 ELSE 0 END AS "paid"
                  FROM (
                    SELECT
                      "t23"."account_id",
                      "t23"."day",
                      "t23"."delta",
                      CASE WHEN ABS("t23"."cur") < 1e-06 THEN 0.0 ELSE "t23"."cur" END AS "cur"
                    FROM (
                      SELECT
                        "t18"."account_id",
                        "t18"."day",
                        "t18"."delta",
                        CAST(ROUND(
                          SUM("t18"."delta") OVER (
                            PARTITION BY "t18"."account_id"
                            ORDER BY "t18"."day" ASC
                            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                          ),
                          6
                        ) AS DOUBLE) AS "cur"
                      FROM (
                        SELECT
                          "t15"."account_id",
                          "t15"."day",
                          SUM("t15"."delta") AS "delta"
                        FROM (
                          SELECT
                            *
                          FROM (
                            SELECT
                              "t3"."account_id",
                              "t3"."valid_from" AS "day",
                              COALESCE("t3"."mrr", 0.0) AS "delta"
                            FROM "subscriptions" AS "t3"
                          ) AS "t12"
                          UNION ALL
                          SELECT
                            *
                          FROM (
                            SELECT
                              "t3"."account_id",
                              "t3"."valid_to" AS "day",
                              -(
                                COALESCE("t3"."mrr", 0.0)
                              ) AS "delta"
                            FROM "subscriptions" AS "t3"
                            WHERE
                              "t3"."valid_to" IS NOT NULL
                          ) AS "t14"
                        ) AS "t15"
                        GROUP BY
                          1,
                          2
                      ) AS "t18"
                    ) AS "t23"
                  ) AS "t26"
                ) AS "t27"
              ) AS "t28"
            ) AS "t29"
            WHERE
              "t29"."kind" IS NOT NULL
              AND "t29"."kind" = 'new'
              AND "t29"."day" <= MAKE_DATE(2026, 6, 30)
          ) AS "t30"
          GROUP BY
            1
        ) AS "t32"
          ON "t13"."account_id" = "t32"."account_id"
      ) AS "t33"
    ) AS "t35"
      ON "t25"."account_id" = "t35"."account_id"
    CROSS JOIN "periods" AS "t4"
  ) AS "t36"
  WHERE
    (
      (
        "t36"."responded_at" < "t36"."w_trailing_metrics_nps_window_days_hi_t"
      )
      AND (
        "t36"."responded_at" >= "t36"."w_trailing_metrics_nps_window_days_lo_t"
      )
    )
    OR (
      (
        "t36"."responded_at" < "t36"."w_trailing_metrics_nps_window_days_hi_t"
      )
      AND (
        "t36"."responded_at" >= "t36"."w_trailing_metrics_nps_window_days_lo_t"
      )
    )
    OR (
      (
        "t36"."responded_at" < "t36"."w_trailing_metrics_nps_window_days_hi_t"
      )
      AND (
        "t36"."responded_at" >= "t36"."w_trailing_metrics_nps_window_days_lo_t"
      )
    )
    OR (
      (
        "t36"."responded_at" < "t36"."w_trailing_metrics_nps_window_days_hi_t"
      )
      AND (
        "t36"."responded_at" >= "t36"."w_trailing_metrics_nps_window_days_lo_t"
      )
    )
    OR (
      "t36"."responded_at" < "t36"."w_to_date_hi_t"
    )
    OR (
      "t36"."responded_at" < "t36"."w_to_date_hi_t"
    )
    OR (
      (
        "t36"."responded_at" < "t36"."w_trailing_metrics_csat_window_days_hi_t"
      )
      AND (
        "t36"."responded_at" >= "t36"."w_trailing_metrics_csat_window_days_lo_t"
      )
    )
    OR (
      (
        "t36"."responded_at" < "t36"."w_trailing_metrics_csat_window_days_hi_t"
      )
      AND (
        "t36"."responded_at" >= "t36"."w_trailing_metrics_csat_window_days_lo_t"
      )
    )
    OR (
      (
        "t36"."responded_at" < "t36"."w_trailing_metrics_ces_window_days_hi_t"
      )
      AND (
        "t36"."responded_at" >= "t36"."w_trailing_metrics_ces_window_days_lo_t"
      )
    )
    OR (
      (
        "t36"."responded_at" < "t36"."w_trailing_metrics_ces_window_days_hi_t"
      )
      AND (
        "t36"."responded_at" >= "t36"."w_trailing_metrics_ces_window_days_lo_t"
      )
    )
) AS "t37"
GROUP BY
  1,
  2
