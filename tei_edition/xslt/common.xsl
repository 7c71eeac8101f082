<?xml version="1.0" encoding="UTF-8"?>
<!--
  Helpers shared by document.xsl and index.xsl (XSLT 1.0, run by lxml/libxslt).

  Everything here treats TEI content as untrusted: values only ever reach the output as
  text nodes or attribute values (which the HTML serialiser escapes), and link targets
  pass through `safe-href` first.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    exclude-result-prefixes="tei">

  <xsl:variable name="lc" select="'abcdefghijklmnopqrstuvwxyz'"/>
  <xsl:variable name="uc" select="'ABCDEFGHIJKLMNOPQRSTUVWXYZ'"/>
  <xsl:variable name="months"
      select="'|01January|02February|03March|04April|05May|06June|07July|08August|09September|10October|11November|12December|'"/>

  <!-- A link target, or nothing when it is not http(s), relative or a fragment.
       Browsers drop tabs and newlines inside URLs ("java&#9;script:"), so any white space
       inside the value disqualifies it; a colon before the first / ? # or \ is a scheme. -->
  <xsl:template name="safe-href">
    <xsl:param name="url"/>
    <xsl:variable name="u" select="normalize-space($url)"/>
    <xsl:variable name="low" select="translate($u, $uc, $lc)"/>
    <xsl:variable name="head"
        select="substring-before(translate(concat($u, '/'), '?#\', '///'), '/')"/>
    <xsl:choose>
      <xsl:when test="$u = '' or contains($u, ' ')"/>
      <xsl:when test="starts-with($low, 'http://') or starts-with($low, 'https://')">
        <xsl:value-of select="$u"/>
      </xsl:when>
      <xsl:when test="not(contains($head, ':'))">
        <xsl:value-of select="$u"/>
      </xsl:when>
    </xsl:choose>
  </xsl:template>

  <!-- `lang` from @xml:lang, only when it looks like a BCP 47 tag (letters, digits, hyphens). -->
  <xsl:template match="@xml:lang" mode="lang">
    <xsl:variable name="v" select="normalize-space(.)"/>
    <xsl:if test="$v != '' and translate($v, concat($lc, $uc, '0123456789-'), '') = ''">
      <xsl:attribute name="lang"><xsl:value-of select="$v"/></xsl:attribute>
    </xsl:if>
  </xsl:template>

  <!-- An ISO 8601 value as a valid HTML datetime, or nothing for shapes HTML does not accept. -->
  <xsl:template name="html-datetime">
    <xsl:param name="iso"/>
    <xsl:variable name="shape" select="translate($iso, '0123456789', '9999999999')"/>
    <xsl:if test="$shape = '9999' or $shape = '9999-99' or $shape = '9999-99-99'
                  or $shape = '9999-99-99T99:99' or $shape = '9999-99-99T99:99:99'">
      <xsl:value-of select="$iso"/>
    </xsl:if>
  </xsl:template>

  <!-- "1962-04-21T16:00:00" as "21 April 1962, 16:00"; unknown shapes are shown as given. -->
  <xsl:template name="format-iso">
    <xsl:param name="iso"/>
    <xsl:variable name="dt">
      <xsl:call-template name="html-datetime"><xsl:with-param name="iso" select="$iso"/></xsl:call-template>
    </xsl:variable>
    <xsl:variable name="month"
        select="substring-before(substring-after($months, concat('|', substring($iso, 6, 2))), '|')"/>
    <xsl:choose>
      <xsl:when test="string($dt) = ''"><xsl:value-of select="$iso"/></xsl:when>
      <xsl:otherwise>
        <xsl:if test="string-length($iso) &gt;= 10">
          <xsl:value-of select="number(substring($iso, 9, 2))"/>
          <xsl:text> </xsl:text>
        </xsl:if>
        <xsl:if test="string-length($iso) &gt;= 7">
          <xsl:value-of select="$month"/>
          <xsl:text> </xsl:text>
        </xsl:if>
        <xsl:value-of select="substring($iso, 1, 4)"/>
        <xsl:if test="string-length($iso) &gt;= 16">
          <xsl:text>, </xsl:text>
          <xsl:value-of select="substring($iso, 12, 5)"/>
        </xsl:if>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- A TEI date (@when or @from/@to) as <time> elements; its own text wins when it has one. -->
  <xsl:template name="date-display">
    <xsl:param name="date"/>
    <xsl:choose>
      <xsl:when test="$date/@when">
        <xsl:call-template name="time-element">
          <xsl:with-param name="iso" select="string($date/@when)"/>
          <xsl:with-param name="label" select="normalize-space($date)"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:when test="$date/@from or $date/@to">
        <xsl:choose>
          <xsl:when test="normalize-space($date) != ''">
            <xsl:value-of select="normalize-space($date)"/>
          </xsl:when>
          <xsl:otherwise>
            <xsl:call-template name="time-element">
              <xsl:with-param name="iso" select="string($date/@from)"/>
            </xsl:call-template>
            <xsl:text> – </xsl:text>
            <xsl:call-template name="time-element">
              <xsl:with-param name="iso" select="string($date/@to)"/>
            </xsl:call-template>
          </xsl:otherwise>
        </xsl:choose>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="normalize-space($date)"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="time-element">
    <xsl:param name="iso"/>
    <xsl:param name="label" select="''"/>
    <xsl:variable name="dt">
      <xsl:call-template name="html-datetime"><xsl:with-param name="iso" select="$iso"/></xsl:call-template>
    </xsl:variable>
    <xsl:variable name="text">
      <xsl:choose>
        <xsl:when test="$label != ''"><xsl:value-of select="$label"/></xsl:when>
        <xsl:otherwise>
          <xsl:call-template name="format-iso"><xsl:with-param name="iso" select="$iso"/></xsl:call-template>
        </xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:choose>
      <xsl:when test="string($dt) != ''">
        <time datetime="{$dt}"><xsl:value-of select="$text"/></time>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$text"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- "minutes" as "Minutes". -->
  <xsl:template name="kind-label">
    <xsl:param name="kind"/>
    <xsl:value-of select="concat(translate(substring($kind, 1, 1), $lc, $uc), substring($kind, 2))"/>
  </xsl:template>

  <!-- Plain text of a name or title: first reading of a choice, supplied text in brackets,
       no notes. Used for <title>, attribute values and the index. -->
  <xsl:template match="tei:choice" mode="plain">
    <xsl:apply-templates select="(tei:orig | tei:abbr | tei:sic | tei:reg | tei:expan | tei:corr)[1]"
        mode="plain"/>
  </xsl:template>
  <xsl:template match="tei:note | tei:desc" mode="plain"/>
  <xsl:template match="tei:supplied" mode="plain">
    <xsl:text>[</xsl:text><xsl:apply-templates mode="plain"/><xsl:text>]</xsl:text>
  </xsl:template>
  <xsl:template match="tei:unclear" mode="plain">
    <xsl:apply-templates mode="plain"/><xsl:text>?</xsl:text>
  </xsl:template>
  <xsl:template match="tei:gap" mode="plain"><xsl:text>[…]</xsl:text></xsl:template>
  <xsl:template match="tei:lb" mode="plain"><xsl:text> </xsl:text></xsl:template>

  <!-- The name a person is listed under: the first persName that is not a bare label. -->
  <xsl:template name="person-name">
    <xsl:param name="person"/>
    <xsl:variable name="name">
      <xsl:choose>
        <xsl:when test="$person/tei:persName[not(@type='label')]">
          <xsl:apply-templates select="$person/tei:persName[not(@type='label')][1]" mode="plain"/>
        </xsl:when>
        <xsl:otherwise>
          <xsl:apply-templates select="$person/tei:persName[1]" mode="plain"/>
        </xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:value-of select="normalize-space($name)"/>
  </xsl:template>

  <!-- A gap's extent: "line"/2 as "2 lines", "char"/1 as "1 character", "section" alone as "section". -->
  <xsl:template name="extent">
    <xsl:if test="@quantity"><xsl:value-of select="@quantity"/><xsl:if test="@unit"><xsl:text> </xsl:text></xsl:if></xsl:if>
    <xsl:choose>
      <xsl:when test="@unit = 'char'">character</xsl:when>
      <xsl:otherwise><xsl:value-of select="@unit"/></xsl:otherwise>
    </xsl:choose>
    <xsl:if test="@unit and @quantity and @quantity != 1">s</xsl:if>
  </xsl:template>

</xsl:stylesheet>
