SELECT
  "t33"."_period",
  "t33"."segment",
  COUNT("t33"."account_id") FILTER(WHERE
    (
      "t33"."responded_at" < "t33"."w_trailing_metrics_nps_window_days_hi_t"
    )
    AND (
      "t33"."responded_at" >= "t33"."w_trailing_metrics_nps_window_days_lo_t"
    )
    AND COALESCE("t33"."survey" = 'nps', FALSE)) AS "nps_responses",
  COUNT("t33"."account_id") FILTER(WHERE
    (
      "t33"."responded_at" < "t33"."w_trailing_metrics_nps_window_days_hi_t"
    )
    AND (
      "t33"."responded_at" >= "t33"."w_trailing_metrics_nps_window_days_lo_t"
    )
    AND COALESCE((
      "t33"."survey" = 'nps'
    ) AND (
      "t33"."score" >= 9
    ), FALSE)) AS "nps_promoters",
  COUNT("t33"."account_id") FILTER(WHERE
    (
      "t33"."responded_at" < "t33"."w_trailing_metrics_nps_window_days_hi_t"
    )
    AND (
      "t33"."responded_at" >= "t33"."w_trailing_metrics_nps_window_days_lo_t"
    )
    AND COALESCE(
      (
        "t33"."survey" = 'nps'
      )
      AND (
        "t33"."score" >= 7
      )
      AND (
        "t33"."score" <= 8
      ),
      FALSE
    )) AS "nps_passives",
  COUNT("t33"."account_id") FILTER(WHERE
    (
      "t33"."responded_at" < "t33"."w_trailing_metrics_nps_window_days_hi_t"
    )
    AND (
      "t33"."responded_at" >= "t33"."w_trailing_metrics_nps_window_days_lo_t"
    )
    AND COALESCE((
      "t33"."survey" = 'nps'
    ) AND (
      "t33"."score" <= 6
    ), FALSE)) AS "nps_detractors",
  FIRST("t33"."score" ORDER BY "t33"."responded_at" DESC) FILTER(WHERE
    (
      "t33"."responded_at" < "t33"."w_to_date_hi_t"
    )
    AND COALESCE("t33"."survey" = 'nps', FALSE)) AS "nps_latest",
  COUNT("t33"."account_id") FILTER(WHERE
    (
      "t33"."responded_at" < "t33"."w_trailing_metrics_csat_window_days_hi_t"
    )
    AND (
      "t33"."responded_at" >= "t33"."w_trailing_metrics_csat_window_days_lo_t"
    )
    AND COALESCE("t33"."survey" = 'csat', FALSE)) AS "csat_responses",
  COUNT("t33"."account_id") FILTER(WHERE
    (
      "t33"."responded_at" < "t33"."w_trailing_metrics_csat_window_days_hi_t"
    )
    AND (
      "t33"."responded_at" >= "t33"."w_trailing_metrics_csat_window_days_lo_t"
    )
    AND COALESCE((
      "t33"."survey" = 'csat'
    ) AND (
      "t33"."score" >= 4
    ), FALSE)) AS "csat_satisfied",
  COUNT("t33"."account_id") FILTER(WHERE
    (
      "t33"."responded_at" < "t33"."w_trailing_metrics_ces_window_days_hi_t"
    )
    AND (
      "t33"."responded_at" >= "t33"."w_trailing_metrics_ces_window_days_lo_t"
    )
    AND COALESCE("t33"."survey" = 'ces', FALSE)) AS "ces_responses",
  AVG("t33"."score") FILTER(WHERE
    (
      "t33"."responded_at" < "t33"."w_trailing_metrics_ces_window_days_hi_t"
    )
    AND (
      "t33"."responded_at" >= "t33"."w_trailing_metrics_ces_window_days_lo_t"
    )
    AND COALESCE("t33"."survey" = 'ces', FALSE)) AS "ces"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t21"."account_id",
      "t21"."survey",
      "t21"."score",
      "t21"."responded_at",
      "t21"."contact_id",
      "t31"."account_id" AS "account_id_right",
      "t31"."segment",
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
    ) AS "t21"
    LEFT OUTER JOIN (
      SELECT
        "t29"."account_id",
        "t29"."segment"
      FROM (
        SELECT
          "t12"."account_id",
          "t8"."segment",
          "t8"."industry",
          "t8"."country",
          "t8"."owner",
          "t18"."plan",
          "t18"."product",
          "t28"."cohort"
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
        ) AS "t12"
        LEFT OUTER JOIN (
          SELECT
            "t2"."account_id",
            "t2"."segment",
            "t2"."industry",
            "t2"."country",
            "t2"."owner"
          FROM "accounts" AS "t2"
        ) AS "t8"
          ON "t12"."account_id" = "t8"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t15"."account_id",
            "t15"."plan",
            "t15"."product"
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
                "t3"."valid_from" <= MAKE_DATE(2026, 6, 30)
            ) AS "t10"
          ) AS "t15"
          WHERE
            "t15"."_rank" = 0
        ) AS "t18"
          ON "t12"."account_id" = "t18"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t26"."account_id",
            DATE_TRUNC('MONTH', MIN("t26"."day")) AS "cohort"
          FROM (
            SELECT
              "t25"."account_id",
              "t25"."day",
              "t25"."kind",
              "t25"."amount"
            FROM (
              SELECT
                "t24"."account_id",
                "t24"."day",
                "t24"."delta",
                "t24"."cur",
                "t24"."prev",
                "t24"."paid",
                "t24"."paid_before",
                CASE
                  WHEN (
                    "t24"."prev" <= 0
                  )
                  AND (
                    "t24"."cur" > 0
                  )
                  AND (
                    "t24"."paid_before" > 0
                  )
                  THEN 'reactivation'
                  WHEN (
                    "t24"."prev" <= 0
                  ) AND (
                    "t24"."cur" > 0
                  )
                  THEN 'new'
                  WHEN (
                    "t24"."prev" > 0
                  ) AND (
                    "t24"."cur" <= 0
                  )
                  THEN 'churn'
                  WHEN (
                    "t24"."prev" > 0
                  ) AND (
                    "t24"."cur" > "t24"."prev"
                  )
                  THEN 'expansion'
                  WHEN (
                    "t24"."prev" > 0
                  ) AND (
                    "t24"."cur" < "t24"."prev"
                  )
                  THEN 'contraction'
                  ELSE CAST(NULL AS TEXT)
                END AS "kind",
                CASE
                  WHEN (
                    "t24"."prev" <= 0
                  ) AND (
                    "t24"."cur" > 0
                  )
                  THEN "t24"."cur"
                  WHEN (
                    "t24"."prev" > 0
                  ) AND (
                    "t24"."cur" <= 0
                  )
                  THEN "t24"."prev"
                  ELSE ABS("t24"."cur" - "t24"."prev")
                END AS "amount"
              FROM (
                SELECT
                  "t23"."account_id",
                  "t23"."day",
                  "t23"."delta",
                  "t23"."cur",
                  "t23"."prev",
                  "t23"."paid",
                  SUM("t23"."paid") OVER (
                    PARTITION BY "t23"."account_id"
                    ORDER BY "t23"."day" ASC
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                  ) - "t23"."paid" AS "paid_before"
                FROM (
                  SELECT
                    "t22"."account_id",
                    "t22"."day",
                    "t22"."delta",
                    "t22"."cur",
                    COALESCE(
                      LAG("t22"."cur") OVER (
                        PARTITION BY "t22"."account_id"
                        ORDER BY "t22"."day" ASC
                        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                      ),
                      0.0
                    ) AS "prev",
                    CASE WHEN "t22"."cur" > 0 THEN 1 ELSE 0 END AS "paid"
                  FROM (
                    SELECT
                      "t19"."account_id",
                      "t19"."day",
                      "t19"."delta",
                      CASE WHEN ABS("t19"."cur") < 1e-06 THEN 0.0 ELSE "t19"."cur" END AS "cur"
                    FROM (
                      SELECT
                        "t16"."account_id",
                        "t16"."day",
                        "t16"."delta",
                        CAST(ROUND(
                          SUM("t16"."delta") OVER (
                            PARTITION BY "t16"."account_id"
                            ORDER BY "t16"."day" ASC
                            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                          ),
                          6
                        ) AS DOUBLE) AS "cur"
                      FROM (
                        SELECT
                          "t14"."account_id",
                          "t14"."day",
                          SUM("t14"."delta") AS "delta"
                        FROM (
                          SELECT
                            *
                          FROM (
                            SELECT
                              "t3"."account_id",
                              "t3"."valid_from" AS "day",
                              COALESCE("t3"."mrr", 0.0) AS "delta"
                            FROM "subscriptions" AS "t3"
                          ) AS "t11"
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
                          ) AS "t13"
                        ) AS "t14"
                        GROUP BY
                          1,
                          2
                      ) AS "t16"
                    ) AS "t19"
                  ) AS "t22"
                ) AS "t23"
              ) AS "t24"
            ) AS "t25"
            WHERE
              "t25"."kind" IS NOT NULL
              AND "t25"."kind" = 'new'
              AND "t25"."day" <= MAKE_DATE(2026, 6, 30)
          ) AS "t26"
          GROUP BY
            1
        ) AS "t28"
          ON "t12"."account_id" = "t28"."account_id"
      ) AS "t29"
    ) AS "t31"
      ON "t21"."account_id" = "t31"."account_id"
    CROSS JOIN "periods" AS "t4"
  ) AS "t32"
  WHERE
    (
      (
        "t32"."responded_at" < "t32"."w_trailing_metrics_nps_window_days_hi_t"
      )
      AND (
        "t32"."responded_at" >= "t32"."w_trailing_metrics_nps_window_days_lo_t"
      )
    )
    OR (
      (
        "t32"."responded_at" < "t32"."w_trailing_metrics_nps_window_days_hi_t"
      )
      AND (
        "t32"."responded_at" >= "t32"."w_trailing_metrics_nps_window_days_lo_t"
      )
    )
    OR (
      (
        "t32"."responded_at" < "t32"."w_trailing_metrics_nps_window_days_hi_t"
      )
      AND (
        "t32"."responded_at" >= "t32"."w_trailing_metrics_nps_window_days_lo_t"
      )
    )
    OR (
      (
        "t32"."responded_at" < "t32"."w_trailing_metrics_nps_window_days_hi_t"
      )
      AND (
        "t32"."responded_at" >= "t32"."w_trailing_metrics_nps_window_days_lo_t"
      )
    )
    OR (
      "t32"."responded_at" < "t32"."w_to_date_hi_t"
    )
    OR (
      (
        "t32"."responded_at" < "t32"."w_trailing_metrics_csat_window_days_hi_t"
      )
      AND (
        "t32"."responded_at" >= "t32"."w_trailing_metrics_csat_window_days_lo_t"
      )
    )
    OR (
      (
        "t32"."responded_at" < "t32"."w_trailing_metrics_csat_window_days_hi_t"
      )
      AND (
        "t32"."responded_at" >= "t32"."w_trailing_metrics_csat_window_days_lo_t"
      )
    )
    OR (
      (
        "t32"."responded_at" < "t32"."w_trailing_metrics_ces_window_days_hi_t"
      )
      AND (
        "t32"."responded_at" >= "t32"."w_trailing_metrics_ces_window_days_lo_t"
      )
    )
    OR (
      (
        "t32"."responded_at" < "t32"."w_trailing_metrics_ces_window_days_hi_t"
      )
      AND (
        "t32"."responded_at" >= "t32"."w_trailing_metrics_ces_window_days_lo_t"
      )
    )
) AS "t33"
GROUP BY
  1,
  2
