SELECT
  "t33"."_period",
  "t33"."segment",
  COUNT("t33"."account_id") FILTER(WHERE
    (
      "t33"."created_at" < "t33"."w_period_hi_t"
    )
    AND (
      "t33"."created_at" >= "t33"."w_period_lo_t"
    )) AS "tickets_opened",
  COUNT("t33"."account_id") FILTER(WHERE
    (
      "t33"."created_at" < "t33"."w_to_date_hi_t"
    )
    AND COALESCE("t33"."is_open_at_end", FALSE)) AS "open_tickets",
  COUNT("t33"."account_id") FILTER(WHERE
    (
      "t33"."created_at" < "t33"."w_to_date_hi_t"
    )
    AND COALESCE("t33"."is_open_at_end" AND (
      "t33"."priority" = 'urgent'
    ), FALSE)) AS "urgent_open_tickets",
  QUANTILE_CONT("t33"."first_response_hours", 0.5) FILTER(WHERE
    (
      "t33"."first_response_at" < "t33"."w_period_hi_t"
    )
    AND (
      "t33"."first_response_at" >= "t33"."w_period_lo_t"
    )) AS "first_response_hours_median",
  QUANTILE_CONT("t33"."first_response_hours", 0.9) FILTER(WHERE
    (
      "t33"."first_response_at" < "t33"."w_period_hi_t"
    )
    AND (
      "t33"."first_response_at" >= "t33"."w_period_lo_t"
    )) AS "first_response_hours_p90",
  QUANTILE_CONT("t33"."resolution_hours", 0.5) FILTER(WHERE
    (
      "t33"."resolved_at" < "t33"."w_period_hi_t"
    )
    AND (
      "t33"."resolved_at" >= "t33"."w_period_lo_t"
    )) AS "resolution_hours_median",
  QUANTILE_CONT("t33"."resolution_hours", 0.9) FILTER(WHERE
    (
      "t33"."resolved_at" < "t33"."w_period_hi_t"
    )
    AND (
      "t33"."resolved_at" >= "t33"."w_period_lo_t"
    )) AS "resolution_hours_p90",
  COUNT("t33"."account_id") FILTER(WHERE
    (
      "t33"."created_at" < "t33"."w_period_hi_t"
    )
    AND (
      "t33"."created_at" >= "t33"."w_period_lo_t"
    )) AS "sla_tickets",
  COUNT("t33"."account_id") FILTER(WHERE
    (
      "t33"."created_at" < "t33"."w_period_hi_t"
    )
    AND (
      "t33"."created_at" >= "t33"."w_period_lo_t"
    )
    AND COALESCE("t33"."sla_breached", FALSE)) AS "sla_breaches"
FROM (
  SELECT
    "t32"."account_id",
    "t32"."created_at",
    "t32"."first_response_at",
    "t32"."resolved_at",
    "t32"."status",
    "t32"."satisfaction",
    "t32"."priority",
    "t32"."first_response_hours",
    "t32"."resolution_hours",
    "t32"."sla_target_hours",
    "t32"."account_id_right",
    "t32"."segment",
    "t32"."_period",
    "t32"."_end_t",
    "t32"."w_period_lo",
    "t32"."w_period_hi",
    "t32"."w_period_lo_t",
    "t32"."w_period_hi_t",
    "t32"."w_to_date_lo",
    "t32"."w_to_date_hi",
    "t32"."w_to_date_lo_t",
    "t32"."w_to_date_hi_t",
    CASE
      WHEN "t32"."resolved_at" IS NULL
      THEN NOT (
        COALESCE("t32"."status" IN ('solved', 'closed'), FALSE)
      )
      ELSE "t32"."resolved_at" >= "t32"."_end_t"
    END AS "is_open_at_end",
    CASE
      WHEN (
        "t32"."first_response_at" IS NOT NULL
      )
      AND (
        "t32"."first_response_at" < "t32"."_end_t"
      )
      THEN "t32"."first_response_hours" > "t32"."sla_target_hours"
      ELSE (
        CAST(DATE_DIFF('MILLISECOND', "t32"."created_at", "t32"."_end_t") AS DOUBLE) / 3600000
      ) > "t32"."sla_target_hours"
    END AS "sla_breached"
  FROM (
    SELECT
      "t16"."account_id",
      "t16"."created_at",
      "t16"."first_response_at",
      "t16"."resolved_at",
      "t16"."status",
      "t16"."satisfaction",
      "t16"."priority",
      "t16"."first_response_hours",
      "t16"."resolution_hours",
      "t16"."sla_target_hours",
      "t31"."account_id" AS "account_id_right",
      "t31"."segment",
      "t4"."_period",
      "t4"."_end_t",
      "t4"."w_period_lo",
      "t4"."w_period_hi",
      "t4"."w_period_lo_t",
      "t4"."w_period_hi_t",
      "t4"."w_to_date_lo",
      "t4"."w_to_date_hi",
      "t4"."w_to_date_lo_t",
      "t4"."w_to_date_hi_t"
    FROM (
      SELECT
        "t0"."account_id",
        "t0"."created_at",
        "t0"."first_response_at",
        "t0"."resolved_at",
        "t0"."status",
        "t0"."satisfaction",
        COALESCE("t0"."priority", 'normal') AS "priority",
        CAST(DATE_DIFF('MILLISECOND', "t0"."created_at", "t0"."first_response_at") AS DOUBLE) / 3600000 AS "first_response_hours",
        CAST(DATE_DIFF('MILLISECOND', "t0"."created_at", "t0"."resolved_at") AS DOUBLE) / 3600000 AS "resolution_hours",
        CASE
          WHEN COALESCE("t0"."priority", 'normal') = 'urgent'
          THEN 1.0
          WHEN COALESCE("t0"."priority", 'normal') = 'high'
          THEN 4.0
          WHEN COALESCE("t0"."priority", 'normal') = 'low'
          THEN 24.0
          ELSE 8.0
        END AS "sla_target_hours"
      FROM "tickets" AS "t0"
    ) AS "t16"
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
          "t20"."plan",
          "t20"."product",
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
            "t17"."account_id",
            "t17"."plan",
            "t17"."product"
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
          ) AS "t17"
          WHERE
            "t17"."_rank" = 0
        ) AS "t20"
          ON "t12"."account_id" = "t20"."account_id"
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
                      "t21"."account_id",
                      "t21"."day",
                      "t21"."delta",
                      CASE WHEN ABS("t21"."cur") < 1e-06 THEN 0.0 ELSE "t21"."cur" END AS "cur"
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
                        ) AS "t15"
                        GROUP BY
                          1,
                          2
                      ) AS "t18"
                    ) AS "t21"
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
      ON "t16"."account_id" = "t31"."account_id"
    CROSS JOIN "periods" AS "t4"
  ) AS "t32"
  WHERE
    (
      (
        "t32"."created_at" < "t32"."w_period_hi_t"
      )
      AND (
        "t32"."created_at" >= "t32"."w_period_lo_t"
      )
    )
    OR (
      "t32"."created_at" < "t32"."w_to_date_hi_t"
    )
    OR (
      "t32"."created_at" < "t32"."w_to_date_hi_t"
    )
    OR (
      (
        "t32"."first_response_at" < "t32"."w_period_hi_t"
      )
      AND (
        "t32"."first_response_at" >= "t32"."w_period_lo_t"
      )
    )
    OR (
      (
        "t32"."first_response_at" < "t32"."w_period_hi_t"
      )
      AND (
        "t32"."first_response_at" >= "t32"."w_period_lo_t"
      )
    )
    OR (
      (
        "t32"."resolved_at" < "t32"."w_period_hi_t"
      )
      AND (
        "t32"."resolved_at" >= "t32"."w_period_lo_t"
      )
    )
    OR (
      (
        "t32"."resolved_at" < "t32"."w_period_hi_t"
      )
      AND (
        "t32"."resolved_at" >= "t32"."w_period_lo_t"
      )
    )
    OR (
      (
        "t32"."created_at" < "t32"."w_period_hi_t"
      )
      AND (
        "t32"."created_at" >= "t32"."w_period_lo_t"
      )
    )
    OR (
      (
        "t32"."created_at" < "t32"."w_period_hi_t"
      )
      AND (
        "t32"."created_at" >= "t32"."w_period_lo_t"
      )
    )
) AS "t33"
GROUP BY
  1,
  2
