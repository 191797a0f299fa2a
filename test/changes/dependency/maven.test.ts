import { describe, expect, test } from 'vitest';
import { failureOf } from '../../support/failure-of.js';
import { edited, runTransform } from './run-transform.js';

const parent = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.acme.ledger</groupId>
  <artifactId>ledger-parent</artifactId>
  <version>1.4.0-SNAPSHOT</version>
  <packaging>pom</packaging>

  <modules>
    <module>ledger-core</module>
    <module>ledger-api</module>
  </modules>

  <properties>
    <java.version>17</java.version>
    <jackson.version>2.15.2</jackson.version>
    <!-- <jackson.version>2.9.0</jackson.version> -->
  </properties>

  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>com.fasterxml.jackson.core</groupId>
        <artifactId>jackson-databind</artifactId>
        <version>\${jackson.version}</version>
      </dependency>
      <dependency>
        <groupId>org.slf4j</groupId>
        <artifactId>slf4j-api</artifactId>
        <version> 2.0.7 </version>
      </dependency>
    </dependencies>
  </dependencyManagement>

  <build>
    <pluginManagement>
      <plugins>
        <plugin>
          <artifactId>maven-surefire-plugin</artifactId>
          <version>3.0.0</version>
        </plugin>
      </plugins>
    </pluginManagement>
    <extensions>
      <extension>
        <groupId>kr.motd.maven</groupId>
        <artifactId>os-maven-plugin</artifactId>
        <version>1.7.0</version>
      </extension>
    </extensions>
  </build>
</project>
`;

const core = `<?xml version="1.0" encoding="UTF-8"?>
<project>
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>com.acme.ledger</groupId>
    <artifactId>ledger-parent</artifactId>
    <version>1.4.0-SNAPSHOT</version>
  </parent>
  <artifactId>ledger-core</artifactId>
  <dependencies>
    <dependency>
      <groupId>com.fasterxml.jackson.core</groupId>
      <artifactId>jackson-databind</artifactId>
    </dependency>
    <dependency>
      <groupId>com.fasterxml.jackson.core</groupId>
      <artifactId>jackson-annotations</artifactId>
      <version>\${jackson.version}</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-api</artifactId>
      <version>2.0.7</version>
      <exclusions>
        <exclusion>
          <groupId>org.slf4j</groupId>
          <artifactId>slf4j-api</artifactId>
        </exclusion>
      </exclusions>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-surefire-plugin</artifactId>
        <version><![CDATA[3.0.0]]></version>
      </plugin>
    </plugins>
  </build>
</project>
`;

const api = core.replace('<artifactId>ledger-core</artifactId>', '<artifactId>ledger-api</artifactId>').replace('<properties>', '');
const multi = { 'pom.xml': parent, 'ledger-core/pom.xml': core, 'ledger-api/pom.xml': api, 'target/classes/META-INF/pom.xml': core.replace('2.0.7', '1.0') };

function bump(files: Record<string, string>, options: Record<string, unknown> = {}) {
  return runTransform('maven', files, { package: 'com.fasterxml.jackson.core:jackson-databind', version: '2.16.1', ...options });
}

describe('pom.xml', () => {
  test('a ${property} version is set in the parent pom that defines it; the comment beside it is left alone', async () => {
    const outcome = await bump(multi);
    expect(outcome.edits.map((e) => e.path)).toEqual(['pom.xml']);
    expect(edited(outcome, 'pom.xml')).toBe(parent.replace('<jackson.version>2.15.2</jackson.version>', '<jackson.version>2.16.1</jackson.version>'));
    expect(outcome.changed).toEqual(['pom.xml (properties jackson.version; was 2.15.2)']);
    expect(outcome.lockfiles).toEqual([]);
    expect(outcome.selected).not.toContain('target/classes/META-INF/pom.xml');
  });

  test('a module property overrides the parent one and is the one edited', async () => {
    const own = core.replace('<artifactId>ledger-core</artifactId>\n', '<artifactId>ledger-core</artifactId>\n  <properties>\n    <jackson.version>2.14.0</jackson.version>\n  </properties>\n');
    const outcome = await bump({ ...multi, 'ledger-core/pom.xml': own }, { package: 'com.fasterxml.jackson.core:jackson-annotations' });
    expect(outcome.edits.map((e) => e.path)).toEqual(['ledger-core/pom.xml', 'pom.xml']);
    expect(edited(outcome, 'ledger-core/pom.xml')).toBe(own.replace('2.14.0', '2.16.1'));
  });

  test('literal versions in dependencies and dependencyManagement, whitespace kept; exclusions are not declarations', async () => {
    const outcome = await bump(multi, { package: 'org.slf4j:slf4j-api', version: '2.0.9' });
    expect(edited(outcome, 'pom.xml')).toContain('<version> 2.0.9 </version>');
    expect(edited(outcome, 'ledger-core/pom.xml')).toBe(core.replace('<version>2.0.7</version>', '<version>2.0.9</version>'));
    expect(outcome.changed).toEqual(['ledger-api/pom.xml (dependencies; was 2.0.7)', 'ledger-core/pom.xml (dependencies; was 2.0.7)', 'pom.xml (dependencyManagement; was 2.0.7)']);
    expect(outcome.declarations).toBe(3);
  });

  test('plugins default to org.apache.maven.plugins; a CDATA version is left alone; extensions', async () => {
    const surefire = await bump(multi, { package: 'org.apache.maven.plugins:maven-surefire-plugin', version: '3.2.5' });
    expect(surefire.edits.map((e) => e.path)).toEqual(['pom.xml']);
    expect(edited(surefire, 'pom.xml')).toContain('<artifactId>maven-surefire-plugin</artifactId>\n          <version>3.2.5</version>');
    const ext = await bump(multi, { package: 'kr.motd.maven:os-maven-plugin', version: '1.7.1' });
    expect(ext.changed).toEqual(['pom.xml (extensions; was 1.7.0)']);
  });

  test('already at the version, and a package the build does not declare', async () => {
    const already = await bump(multi, { version: '2.15.2' });
    expect(already).toMatchObject({ edits: [], already: ['pom.xml'] });
    const absent = await bump(multi, { package: 'com.google.guava:guava' });
    expect(absent).toMatchObject({ edits: [], declarations: 0 });
  });

  test('a pom that is not well-formed fails naming the file and the line', async () => {
    const broken = core.replace('</dependencies>', '</dependency>');
    const failure = await failureOf(bump({ ...multi, 'ledger-core/pom.xml': broken }));
    expect(failure.code).toBe('change_failed');
    expect(failure.message).toMatch(/^ledger-core\/pom.xml in acme\/payments-api is not XML Maven can read: line \d+ closes <dependency> where <dependencies> is open/);
  });
});

describe('the parent pom as a declaration', () => {
  test('a <parent> from outside the repository (spring-boot-starter-parent) gets the version', async () => {
    const boot = '<project>\n  <parent>\n    <groupId>org.springframework.boot</groupId>\n    <artifactId>spring-boot-starter-parent</artifactId>\n    <version>3.1.5</version>\n    <relativePath/>\n  </parent>\n  <artifactId>quotes</artifactId>\n</project>\n';
    const outcome = await bump({ 'pom.xml': boot }, { package: 'org.springframework.boot:spring-boot-starter-parent', version: '3.2.1' });
    expect(edited(outcome, 'pom.xml')).toBe(boot.replace('3.1.5', '3.2.1'));
    expect(outcome.changed).toEqual(['pom.xml (parent; was 3.1.5)']);
  });
});
